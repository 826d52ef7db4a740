package org.opensearch.binaryembeddings.codec;

import org.apache.lucene.codecs.KnnVectorsFormat;
import org.apache.lucene.codecs.KnnVectorsReader;
import org.apache.lucene.codecs.StoredFieldsReader;
import org.apache.lucene.index.ByteVectorValues;
import org.apache.lucene.index.FieldInfo;
import org.apache.lucene.index.FieldInfos;
import org.apache.lucene.index.FloatVectorValues;
import org.apache.lucene.index.KnnVectorValues;
import org.apache.lucene.index.SegmentInfo;
import org.apache.lucene.index.SegmentReadState;
import org.apache.lucene.index.StoredFieldDataInput;
import org.apache.lucene.index.StoredFieldVisitor;
import org.apache.lucene.index.VectorEncoding;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.IOContext;
import org.apache.lucene.util.IOUtils;

import java.io.Closeable;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the delegate's stored fields and fills the placeholders of derived-source fields in {@code _source} and
 * {@code _recovery_source} with the document's vectors (see {@link DerivedSourceStoredFieldsFormat}). Clones and
 * merge instances share one lazily opened vectors reader, closed with the reader the format opened.
 */
final class DerivedSourceStoredFieldsReader extends StoredFieldsReader {

    private final StoredFieldsReader in;
    private final Vectors vectors;
    /** Whether closing this reader closes the vectors: only the reader the format opened, not clones or merge instances. */
    private final boolean ownsVectors;

    DerivedSourceStoredFieldsReader(StoredFieldsReader in, Vectors vectors) {
        this(in, vectors, true);
    }

    private DerivedSourceStoredFieldsReader(StoredFieldsReader in, Vectors vectors, boolean ownsVectors) {
        this.in = in;
        this.vectors = vectors;
        this.ownsVectors = ownsVectors;
    }

    /** The delegate's reader, for merges that copy stored documents as they are. */
    StoredFieldsReader delegate() {
        return in;
    }

    @Override
    public void document(int docID, StoredFieldVisitor visitor) throws IOException {
        SourceRewriter rewriter = DerivedSourceStoredFieldsFormat.rewriter();
        if (rewriter == null) {
            in.document(docID, visitor);
            return;
        }
        in.document(docID, new InjectingVisitor(visitor, docID, rewriter));
    }

    @Override
    public void prefetch(int docID) throws IOException {
        in.prefetch(docID);
    }

    @Override
    public StoredFieldsReader clone() {
        return new DerivedSourceStoredFieldsReader(in.clone(), vectors, false);
    }

    @Override
    public StoredFieldsReader getMergeInstance() {
        // also the sequential reader of OpenSearch's fetch phase: it must fill placeholders too
        return new DerivedSourceStoredFieldsReader(in.getMergeInstance(), vectors, false);
    }

    @Override
    public void checkIntegrity() throws IOException {
        in.checkIntegrity();
    }

    @Override
    public void close() throws IOException {
        IOUtils.close(in, ownsVectors ? vectors : null);
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "(" + in + ")";
    }

    private final class InjectingVisitor extends StoredFieldVisitor {
        private final StoredFieldVisitor out;
        private final int doc;
        private final SourceRewriter rewriter;

        InjectingVisitor(StoredFieldVisitor out, int doc, SourceRewriter rewriter) {
            this.out = out;
            this.doc = doc;
            this.rewriter = rewriter;
        }

        @Override
        public Status needsField(FieldInfo fieldInfo) throws IOException {
            return out.needsField(fieldInfo);
        }

        @Override
        public void binaryField(FieldInfo fieldInfo, StoredFieldDataInput value) throws IOException {
            if (DerivedSourceStoredFieldsFormat.SOURCE_FIELDS.contains(fieldInfo.name) == false) {
                out.binaryField(fieldInfo, value);
                return;
            }
            byte[] bytes = new byte[value.getLength()];
            value.getDataInput().readBytes(bytes, 0, bytes.length);
            binaryField(fieldInfo, bytes);
        }

        @Override
        public void binaryField(FieldInfo fieldInfo, byte[] value) throws IOException {
            if (DerivedSourceStoredFieldsFormat.SOURCE_FIELDS.contains(fieldInfo.name)) {
                Map<String, Object> values = vectors.valuesOf(doc);
                if (values.isEmpty() == false) {
                    value = rewriter.inject(value, values);
                }
            }
            out.binaryField(fieldInfo, value);
        }

        @Override
        public void stringField(FieldInfo fieldInfo, String value) throws IOException {
            out.stringField(fieldInfo, value);
        }

        @Override
        public void intField(FieldInfo fieldInfo, int value) throws IOException {
            out.intField(fieldInfo, value);
        }

        @Override
        public void longField(FieldInfo fieldInfo, long value) throws IOException {
            out.longField(fieldInfo, value);
        }

        @Override
        public void floatField(FieldInfo fieldInfo, float value) throws IOException {
            out.floatField(fieldInfo, value);
        }

        @Override
        public void doubleField(FieldInfo fieldInfo, double value) throws IOException {
            out.doubleField(fieldInfo, value);
        }
    }

    /** The segment's vectors of derived-source fields, opened on first use. */
    static final class Vectors implements Closeable {
        private final KnnVectorsFormat format;
        private final SegmentReadState state;
        private final List<FieldInfo> fields;
        private KnnVectorsReader reader;
        private boolean closed;

        Vectors(KnnVectorsFormat format, Directory directory, SegmentInfo si, FieldInfos fn, List<FieldInfo> fields) {
            this.format = format;
            this.state = new SegmentReadState(directory, si, fn, IOContext.DEFAULT);
            this.fields = fields;
        }

        private synchronized KnnVectorsReader reader() throws IOException {
            if (closed) {
                throw new IllegalStateException("stored fields reader is closed");
            }
            if (reader == null) {
                reader = format.fieldsReader(state);
            }
            return reader;
        }

        /** Field name → the document's vector ({@code float[]}) or packed bits ({@code byte[]}); fields without a value are absent. */
        Map<String, Object> valuesOf(int doc) throws IOException {
            Map<String, Object> values = new LinkedHashMap<>();
            KnnVectorsReader r = reader();
            for (FieldInfo fi : fields) {
                if (fi.getVectorEncoding() == VectorEncoding.FLOAT32) {
                    FloatVectorValues v = r.getFloatVectorValues(fi.name);
                    int ord = ordOf(v, doc);
                    if (ord >= 0) {
                        float[] vector = v.vectorValue(ord).clone();
                        if (RescorePrecision.INT8.attributeValue().equals(fi.getAttribute(BinaryFieldConfig.RESCORE_PRECISION_ATTRIBUTE))) {
                            keepSigns(vector, r.getByteVectorValues(fi.name), doc);
                        }
                        values.put(fi.name, vector);
                    }
                } else {
                    ByteVectorValues v = r.getByteVectorValues(fi.name);
                    int ord = ordOf(v, doc);
                    if (ord >= 0) {
                        values.put(fi.name, v.vectorValue(ord).clone());
                    }
                }
            }
            return values;
        }

        /**
         * An int8 value close to zero can decode to the other side of zero than the value the document was indexed
         * with; such a value is moved to the near side (0, or the smallest positive float), less than half a
         * quantization step, so that re-indexing the rebuilt vector gives the document's sign bits again.
         */
        private static void keepSigns(float[] vector, ByteVectorValues bits, int doc) throws IOException {
            int ord = ordOf(bits, doc);
            if (ord < 0) {
                return;
            }
            byte[] packed = bits.vectorValue(ord);
            for (int i = 0; i < vector.length && i / 8 < packed.length; i++) {
                boolean one = (packed[i / 8] & (0x80 >>> (i % 8))) != 0;
                if (one && vector[i] <= 0) {
                    vector[i] = Float.MIN_NORMAL;
                } else if (one == false && vector[i] > 0) {
                    vector[i] = 0f;
                }
            }
        }

        private static int ordOf(KnnVectorValues values, int doc) throws IOException {
            if (values == null) {
                return -1;
            }
            KnnVectorValues.DocIndexIterator it = values.iterator();
            return it.advance(doc) == doc ? it.index() : -1;
        }

        @Override
        public synchronized void close() throws IOException {
            closed = true;
            if (reader != null) {
                reader.close();
                reader = null;
            }
        }
    }
}
