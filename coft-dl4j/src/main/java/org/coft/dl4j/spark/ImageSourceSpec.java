package org.coft.dl4j.spark;

import java.io.IOException;
import java.io.Serializable;
import java.util.List;
import org.coft.datavec.BadInputPolicy;
import org.coft.datavec.source.ClassList;
import org.coft.datavec.source.ImageSources;
import org.coft.datavec.source.SourceOptions;
import org.coft.datavec.source.UnlabeledImages;
import org.coft.dl4j.phase1.ImageViews;

/**
 * How an executor opens the images of a pass: the source as {@code coft} takes it ({@code --data}: a folder, a
 * {@code .csv} manifest or {@code idx:IMAGES}, with absolute paths every executor can read), the bad-input policy,
 * the class list, and whether the view is ordered by file name ({@link ImageViews#byFileName}, as {@code coft adapt}
 * and {@code coft predict} order it) or kept in the source's order ({@code coft zero-shot}).
 *
 * @param data       the source, as {@code --data} takes it
 * @param policy     what an unreadable image does
 * @param classes    the class names (they fix how a folder's sub-folders are read; labels are never read here)
 * @param byFileName whether the view is ordered by file name
 */
public record ImageSourceSpec(String data, BadInputPolicy policy, List<String> classes, boolean byFileName)
        implements Serializable {

    public ImageSourceSpec {
        if (data == null || data.isBlank()) {
            throw new IllegalArgumentException("data: empty (a folder, a .csv manifest or idx:IMAGES[,LABELS])");
        }
        if (policy == null) {
            throw new IllegalArgumentException("policy: null (FAIL or SKIP)");
        }
        classes = classes == null ? null : List.copyOf(classes);
    }

    /** Opens the view (the same ids in the same order on every machine that reads the same files). */
    public UnlabeledImages open() throws IOException {
        SourceOptions o = SourceOptions.defaults().withBadInput(policy);
        if (classes != null) {
            o = o.withClasses(ClassList.of(classes));
        }
        UnlabeledImages images = ImageSources.open(data, o).images();
        return byFileName ? ImageViews.byFileName(images) : images;
    }
}
