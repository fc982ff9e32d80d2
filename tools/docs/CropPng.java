import java.awt.image.BufferedImage;
import java.io.File;
import javax.imageio.ImageIO;

/** Crops rows [from, to) of a PNG: {@code java CropPng.java in.png out.png FROM TO} (TO past the end = to the end). */
public class CropPng {
    public static void main(String[] a) throws Exception {
        BufferedImage im = ImageIO.read(new File(a[0]));
        int from = Integer.parseInt(a[2]);
        int to = Math.min(im.getHeight(), Integer.parseInt(a[3]));
        if (from < 0 || from >= to) {
            throw new IllegalArgumentException("rows " + a[2] + ".." + a[3] + " of a " + im.getHeight() + "-row image");
        }
        ImageIO.write(im.getSubimage(0, from, im.getWidth(), to - from), "png", new File(a[1]));
    }
}
