package org.coft.cli;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import javax.imageio.ImageIO;

/** Test fixture: small labelled folders of generated coloured shapes (fast, needs no data set). */
final class Shapes {
    static final List<String> CLASSES = List.of("red square", "green circle", "blue triangle");

    private Shapes() {
    }

    /** A labelled folder of simple coloured shapes (class sub-folders + classes.txt), deterministic in the seed. */
    static void generate(Path data, int perClass, long seed) throws java.io.IOException {
        Random rnd = new Random(seed);
        Files.createDirectories(data);
        Files.write(data.resolve("classes.txt"), CLASSES);
        Color[] colours = {new Color(220, 30, 30), new Color(30, 180, 40), new Color(30, 60, 220)};
        for (int c = 0; c < CLASSES.size(); c++) {
            Path folder = data.resolve(CLASSES.get(c));
            Files.createDirectories(folder);
            for (int i = 0; i < perClass; i++) {
                BufferedImage img = new BufferedImage(48, 40, BufferedImage.TYPE_INT_RGB);
                Graphics2D g = img.createGraphics();
                g.setColor(new Color(200 + rnd.nextInt(56), 200 + rnd.nextInt(56), 200 + rnd.nextInt(56)));
                g.fillRect(0, 0, 48, 40);
                g.setColor(colours[c]);
                int x = 8 + rnd.nextInt(12);
                int y = 6 + rnd.nextInt(10);
                int s = 14 + rnd.nextInt(8);
                switch (c) {
                    case 0 -> g.fillRect(x, y, s, s);
                    case 1 -> g.fillOval(x, y, s, s);
                    default -> g.fillPolygon(new int[] {x, x + s, x + s / 2}, new int[] {y + s, y + s, y}, 3);
                }
                g.dispose();
                ImageIO.write(img, "png", folder.resolve(String.format("%03d.png", i)).toFile());
            }
        }
    }
}
