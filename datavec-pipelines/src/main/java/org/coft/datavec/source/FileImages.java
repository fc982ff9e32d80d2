package org.coft.datavec.source;

import org.coft.datavec.BadInputPolicy;
import org.coft.datavec.SkipReport;
import org.coft.datavec.image.DecodedImage;
import org.coft.datavec.image.ImageDecodeException;
import org.coft.datavec.image.ImageDecoder;

import java.nio.file.Path;
import java.util.List;

/** Unlabelled view over image files (folder and manifest sources), decoded within the source's pixel budget. */
final class FileImages implements UnlabeledImages {

    private final String description;
    private final List<String> ids;
    private final List<Path> files;
    private final BadInputPolicy policy;
    private final SkipReport report;
    private final long maxPixels;

    FileImages(String description, List<String> ids, List<Path> files, BadInputPolicy policy, SkipReport report,
               long maxPixels) {
        this.description = description;
        this.ids = List.copyOf(ids);
        this.files = List.copyOf(files);
        this.policy = policy;
        this.report = report;
        this.maxPixels = maxPixels;
    }

    @Override
    public int size() {
        return ids.size();
    }

    @Override
    public String id(int index) {
        return ids.get(index);
    }

    @Override
    public List<String> ids() {
        return ids;
    }

    @Override
    public String location(int index) {
        return files.get(index).toString();
    }

    @Override
    public DecodedImage load(int index) throws ImageDecodeException {
        return ImageDecoder.decode(files.get(index), maxPixels);
    }

    @Override
    public String description() {
        return description;
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
