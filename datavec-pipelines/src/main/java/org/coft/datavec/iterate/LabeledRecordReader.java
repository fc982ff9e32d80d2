package org.coft.datavec.iterate;

import org.coft.datavec.source.EvaluationLabels;
import org.datavec.api.conf.Configuration;
import org.datavec.api.records.Record;
import org.datavec.api.records.metadata.RecordMetaData;
import org.datavec.api.records.reader.BaseRecordReader;
import org.datavec.api.split.InputSplit;
import org.datavec.api.writable.IntWritable;
import org.datavec.api.writable.Text;
import org.datavec.api.writable.Writable;

import java.io.DataInputStream;
import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Evaluation only: an {@link ImageRecordReader} whose records get the class index appended,
 * {@code [NDArrayWritable(image), Text(id), IntWritable(label)]}, looked up by id in an
 * {@link EvaluationLabels}; {@link #getLabels()} gives the class names.
 */
public final class LabeledRecordReader extends BaseRecordReader {

    private static final long serialVersionUID = 1L;

    private final transient ImageRecordReader reader;
    private final transient EvaluationLabels labels;

    /**
     * @param reader a reader over the unlabelled view of a source
     * @param labels that source's evaluation labels
     */
    public LabeledRecordReader(ImageRecordReader reader, EvaluationLabels labels) {
        this.reader = Objects.requireNonNull(reader, "reader");
        this.labels = Objects.requireNonNull(labels, "labels");
    }

    private Record label(Record r) {
        List<Writable> out = new ArrayList<>(r.getRecord());
        out.add(new IntWritable(labels.labelOf(((Text) out.get(1)).toString())));
        return new org.datavec.api.records.impl.Record(out, r.getMetaData());
    }

    @Override
    public void initialize(InputSplit split) {
        reader.initialize(split);
    }

    @Override
    public void initialize(Configuration conf, InputSplit split) {
        reader.initialize(conf, split);
    }

    @Override
    public boolean hasNext() {
        return reader.hasNext();
    }

    @Override
    public List<Writable> next() {
        return nextRecord().getRecord();
    }

    @Override
    public Record nextRecord() {
        Record r = label(reader.nextRecord());
        invokeListeners(r);
        return r;
    }

    @Override
    public List<String> getLabels() {
        return labels.classes().names();
    }

    @Override
    public void reset() {
        reader.reset();
    }

    @Override
    public boolean resetSupported() {
        return true;
    }

    /** @throws UnsupportedOperationException always: a stream has no id to look a label up by */
    @Override
    public List<Writable> record(URI uri, DataInputStream stream) {
        throw new UnsupportedOperationException("a labelled record needs an example id; read through next()");
    }

    @Override
    public Record loadFromMetaData(RecordMetaData recordMetaData) throws IOException {
        return label(reader.loadFromMetaData(recordMetaData));
    }

    @Override
    public List<Record> loadFromMetaData(List<RecordMetaData> recordMetaDatas) throws IOException {
        List<Record> out = new ArrayList<>();
        for (RecordMetaData m : recordMetaDatas) {
            out.add(loadFromMetaData(m));
        }
        return out;
    }

    @Override
    public void setConf(Configuration conf) {
        reader.setConf(conf);
    }

    @Override
    public Configuration getConf() {
        return reader.getConf();
    }

    @Override
    public void close() {
        reader.close();
    }
}
