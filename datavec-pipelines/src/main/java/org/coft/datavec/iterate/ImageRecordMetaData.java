package org.coft.datavec.iterate;

import org.datavec.api.records.metadata.RecordMetaData;

import java.net.URI;
import java.nio.file.Path;

/**
 * Metadata of one record from an {@link ImageRecordReader}: the example's id, its position in the source, and
 * where it came from.
 *
 * @param id       the stable example id
 * @param index    position in the source's unlabelled view
 * @param location file path (or IDX file and index), for messages
 */
public record ImageRecordMetaData(String id, int index, String location) implements RecordMetaData {

    private static final long serialVersionUID = 1L;

    @Override
    public String getLocation() {
        return location;
    }

    /** @return the file's URI when the location is a plain path, else null */
    @Override
    public URI getURI() {
        try {
            return Path.of(location).toUri();
        } catch (RuntimeException e) {
            return null;
        }
    }

    @Override
    public Class<?> getReaderClass() {
        return ImageRecordReader.class;
    }
}
