package org.coft.dl4j.phase1;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.coft.datavec.BadInputPolicy;
import org.coft.datavec.SkipReport;
import org.coft.datavec.image.DecodedImage;
import org.coft.datavec.image.ImageDecodeException;
import org.coft.datavec.source.UnlabeledImages;

/** Re-ordered and subset views of an {@link UnlabeledImages} (same ids, no copies). */
public final class ImageViews {
    private ImageViews() {
    }

    /**
     * The examples ordered by file name (the last path segment of the id), then by the whole id: an order that
     * does not depend on class sub-folders, so the same images with or without them train identically.
     */
    public static UnlabeledImages byFileName(UnlabeledImages images) {
        List<Integer> idx = new ArrayList<>();
        for (int i = 0; i < images.size(); i++) {
            idx.add(i);
        }
        idx.sort(Comparator.comparing((Integer i) -> fileName(images.id(i))).thenComparing(images::id));
        return subset(images, idx.stream().mapToInt(Integer::intValue).toArray());
    }

    static String fileName(String id) {
        int s = id.lastIndexOf('/');
        return s < 0 ? id : id.substring(s + 1);
    }

    /** The examples at the given positions, in that order. */
    public static UnlabeledImages subset(UnlabeledImages images, int[] positions) {
        List<String> ids = new ArrayList<>();
        for (int p : positions) {
            ids.add(images.id(p));
        }
        return subset(images, positions, ids);
    }

    /**
     * The examples at the given positions under new ids (e.g. keys that carry no class sub-folder, so that
     * augmentation seeded by id is the same with or without sub-folders).
     */
    public static UnlabeledImages subset(UnlabeledImages images, int[] positions, List<String> newIds) {
        int[] pos = positions.clone();
        if (newIds.size() != pos.length) {
            throw new IllegalArgumentException(pos.length + " positions but " + newIds.size() + " ids");
        }
        List<String> fixed = List.copyOf(newIds);
        return new UnlabeledImages() {
            @Override
            public int size() {
                return pos.length;
            }

            @Override
            public String id(int index) {
                return fixed.get(index);
            }

            @Override
            public List<String> ids() {
                return fixed;
            }

            @Override
            public String location(int index) {
                return images.location(pos[index]);
            }

            @Override
            public DecodedImage load(int index) throws ImageDecodeException {
                return images.load(pos[index]);
            }

            @Override
            public String description() {
                return images.description() + " (" + pos.length + " selected)";
            }

            @Override
            public BadInputPolicy badInputPolicy() {
                return images.badInputPolicy();
            }

            @Override
            public SkipReport skipReport() {
                return images.skipReport();
            }
        };
    }
}
