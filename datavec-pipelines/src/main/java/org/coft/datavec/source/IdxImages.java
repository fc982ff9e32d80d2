package org.coft.datavec.source;

import org.coft.datavec.BadInputPolicy;
import org.coft.datavec.SkipReport;
import org.coft.datavec.image.DecodedImage;
import org.coft.datavec.image.RgbImage;

import java.util.AbstractList;
import java.util.List;

/** Unlabelled view over an in-memory IDX image file: grey {@code rows x cols} images, ids {@code idx:<n>}. */
final class IdxImages implements UnlabeledImages {

    private final IdxFile images;
    private final int[] kept;
    private final int rows;
    private final int cols;
    private final BadInputPolicy policy;
    private final SkipReport report;
    private final List<String> ids;

    /** @param kept indices into the IDX file of the examples that passed the checks, ascending */
    IdxImages(IdxFile images, int[] kept, BadInputPolicy policy, SkipReport report) {
        this.images = images;
        this.kept = kept.clone();
        this.rows = images.dimensions()[1];
        this.cols = images.dimensions()[2];
        this.policy = policy;
        this.report = report;
        this.ids = new AbstractList<>() {
            @Override
            public String get(int index) {
                return id(index);
            }

            @Override
            public int size() {
                return IdxImages.this.kept.length;
            }
        };
    }

    static String idOf(int idxIndex) {
        return "idx:" + idxIndex;
    }

    @Override
    public int size() {
        return kept.length;
    }

    @Override
    public String id(int index) {
        return idOf(kept[index]);
    }

    @Override
    public List<String> ids() {
        return ids;
    }

    @Override
    public String location(int index) {
        return images.file() + "[" + kept[index] + "]";
    }

    @Override
    public DecodedImage load(int index) {
        int plane = rows * cols;
        int start = kept[index] * plane;
        byte[] data = images.data();
        byte[] rgb = new byte[plane * 3];
        for (int i = 0; i < plane; i++) {
            byte v = data[start + i];
            rgb[3 * i] = v;
            rgb[3 * i + 1] = v;
            rgb[3 * i + 2] = v;
        }
        return new DecodedImage(new RgbImage(cols, rows, rgb), "idx", DecodedImage.ColourLayout.GRAY);
    }

    @Override
    public String description() {
        return "IDX " + images.file() + " (" + kept.length + " images, " + rows + "x" + cols + ")";
    }

    @Override
    public BadInputPolicy badInputPolicy() {
        return policy;
    }

    @Override
    public SkipReport skipReport() {
        return report;
    }
}
