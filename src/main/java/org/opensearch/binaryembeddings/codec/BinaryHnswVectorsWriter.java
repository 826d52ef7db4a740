package org.opensearch.binaryembeddings.codec;

import org.apache.lucene.codecs.KnnFieldVectorsWriter;
import org.apache.lucene.codecs.KnnVectorsReader;
import org.apache.lucene.codecs.KnnVectorsWriter;
import org.apache.lucene.codecs.hnsw.FlatVectorsFormat;
import org.apache.lucene.codecs.lucene99.Lucene99HnswVectorsWriter;
import org.apache.lucene.codecs.perfield.PerFieldKnnVectorsFormat;
import org.apache.lucene.index.ByteVectorValues;
import org.apache.lucene.index.FieldInfo;
import org.apache.lucene.index.FieldInfos;
import org.apache.lucene.index.FloatVectorValues;
import org.apache.lucene.index.MergeState;
import org.apache.lucene.index.SegmentWriteState;
import org.apache.lucene.index.Sorter;
import org.apache.lucene.index.VectorEncoding;
import org.apache.lucene.search.AcceptDocs;
import org.apache.lucene.search.KnnCollector;
import org.apache.lucene.util.Bits;
import org.apache.lucene.util.IORunnable;
import org.apache.lucene.util.IOUtils;

import java.io.IOException;

/**
 * Writes a segment of {@link BinaryHnswVectorsFormat}: every field goes to Lucene's HNSW writer as its byte "graph
 * view" (packed bits, {@link BinaryFieldConfig#graphFieldInfo}), and a float field's values also go to the rescoring
 * file.
 */
final class BinaryHnswVectorsWriter extends KnnVectorsWriter {

    private final Lucene99HnswVectorsWriter graphWriter;
    private final RescoreVectorsWriter rescoreWriter;

    BinaryHnswVectorsWriter(SegmentWriteState state, int maxConn, int beamWidth, FlatVectorsFormat bitsFormat) throws IOException {
        Lucene99HnswVectorsWriter graph = null;
        RescoreVectorsWriter rescore = null;
        boolean success = false;
        try {
            SegmentWriteState graphState = graphState(state);
            graph = new Lucene99HnswVectorsWriter(graphState, maxConn, beamWidth, bitsFormat, bitsFormat.fieldsWriter(graphState), 1, null);
            rescore = new RescoreVectorsWriter(state);
            success = true;
        } finally {
            if (success == false) {
                IOUtils.closeWhileHandlingException(graph, rescore);
            }
        }
        this.graphWriter = graph;
        this.rescoreWriter = rescore;
    }

    @Override
    @SuppressWarnings("unchecked")
    public KnnFieldVectorsWriter<?> addField(FieldInfo field) throws IOException {
        BinaryFieldConfig config = BinaryFieldConfig.of(field);
        KnnFieldVectorsWriter<byte[]> bits = (KnnFieldVectorsWriter<byte[]>) graphWriter.addField(config.graphFieldInfo(field));
        RescoreVectorsWriter.FieldBuffer rescore = rescoreWriter.addField(field, config);
        if (field.getVectorEncoding() == VectorEncoding.BYTE) {
            return bits;
        }
        return new FloatFieldWriter(config, bits, rescore);
    }

    @Override
    public void flush(int maxDoc, Sorter.DocMap sortMap) throws IOException {
        graphWriter.flush(maxDoc, sortMap);
        rescoreWriter.flush(maxDoc, sortMap);
    }

    /**
     * Merges the bits and the rescoring values now; the graph is built in the deferred step Lucene 10.5 runs after every
     * field's flat values are written (it reopens the bits file then, see {@link #graphState}).
     */
    @Override
    public IORunnable mergeOneField(FieldInfo field, MergeState mergeState) throws IOException {
        BinaryFieldConfig config = BinaryFieldConfig.of(field);
        IORunnable buildGraph = graphWriter.mergeOneField(config.graphFieldInfo(field), bitsMergeState(field, config, mergeState));
        rescoreWriter.merge(field, config, mergeState);
        return buildGraph;
    }

    @Override
    public void finish() throws IOException {
        graphWriter.finish();
        rescoreWriter.finish();
    }

    @Override
    public long ramBytesUsed() {
        return graphWriter.ramBytesUsed() + rescoreWriter.ramBytesUsed();
    }

    @Override
    public void close() throws IOException {
        IOUtils.close(graphWriter, rescoreWriter);
    }

    /**
     * The write state as the graph writer must see it. In a merge Lucene 10.5's HNSW writer reopens the bits it has just
     * written with {@code state.fieldInfos} before it builds the graph, and the bits reader checks each field's dims and
     * encoding against its meta: our fields must appear there as their {@link BinaryFieldConfig#graphFieldInfo graph
     * views}. The bits reader looks up only the fields its own meta lists, so a vector field of another format that is
     * mapped too is never read; a field whose attributes do not make a configuration of ours is left as it is. A flush
     * has no field infos here (null) and reopens nothing.
     */
    private static SegmentWriteState graphState(SegmentWriteState state) {
        if (state.fieldInfos == null) {
            return state;
        }
        FieldInfo[] infos = new FieldInfo[state.fieldInfos.size()];
        int i = 0;
        for (FieldInfo field : state.fieldInfos) {
            infos[i++] = field.hasVectorValues() ? graphView(field) : field;
        }
        return new SegmentWriteState(
            state.infoStream,
            state.directory,
            state.segmentInfo,
            new FieldInfos(infos),
            state.segUpdates,
            state.context,
            state.segmentSuffix
        );
    }

    private static FieldInfo graphView(FieldInfo field) {
        try {
            return BinaryFieldConfig.of(field).graphFieldInfo(field);
        } catch (IllegalArgumentException notOurs) {
            return field;
        }
    }

    /**
     * The merge as the graph writer must see it: each segment's reader replaced by one whose byte values are the packed
     * bits of the field. For a segment of this format that is its graph reader itself, an {@code HnswGraphProvider}, so
     * Lucene's merger can start from the largest segment's graph instead of building it anew. (Lucene's merger
     * looks for that interface on the per-field wrapper it is handed and so never finds it, apache/lucene#16400; still
     * so in 10.5.0, whose {@code IncrementalHnswGraphMerger.addReader} tests the wrapper, not the field's reader.
     * Unwrapping here sidesteps that; {@code BinaryHnswMergeTests} shows the graph is reused.) A segment of another format gets its bits computed from its values.
     */
    private static MergeState bitsMergeState(FieldInfo field, BinaryFieldConfig config, MergeState ms) {
        KnnVectorsReader[] readers = new KnnVectorsReader[ms.knnVectorsReaders.length];
        for (int i = 0; i < readers.length; i++) {
            readers[i] = bitsReader(ms.knnVectorsReaders[i], field, config, ms.fieldInfos[i].fieldInfo(field.name));
        }
        return new MergeState(
            ms.docMaps,
            ms.segmentInfo,
            ms.mergeFieldInfos,
            ms.storedFieldsReaders,
            ms.termVectorsReaders,
            ms.normsProducers,
            ms.docValuesProducers,
            ms.fieldInfos,
            ms.liveDocs,
            ms.fieldsProducers,
            ms.pointsReaders,
            readers,
            ms.maxDocs,
            ms.infoStream,
            ms.intraMergeTaskExecutor,
            ms.needsIndexSort,
            ms.oneMerge
        );
    }

    private static KnnVectorsReader bitsReader(KnnVectorsReader reader, FieldInfo field, BinaryFieldConfig config, FieldInfo source) {
        if (reader == null || source == null || source.hasVectorValues() == false) {
            return reader;
        }
        KnnVectorsReader fieldReader = reader instanceof PerFieldKnnVectorsFormat.FieldsReader perField
            ? perField.getFieldReader(field.name)
            : reader;
        if (fieldReader instanceof BinaryHnswVectorsReader ours) {
            BinaryFieldConfig theirs = ours.config(field.name);
            if (theirs != null && theirs.binaryDims() == config.binaryDims() && theirs.bitSimilarity() == config.bitSimilarity()) {
                return ours.graphReader();
            }
        }
        return new BinarizingReader(reader, source, config);
    }

    /** Serves a foreign segment's values of the field as packed bits (floats are binarized, bytes taken as bits). */
    private static final class BinarizingReader extends KnnVectorsReader {
        private final KnnVectorsReader in;
        private final FieldInfo source;
        private final BinaryFieldConfig config;

        BinarizingReader(KnnVectorsReader in, FieldInfo source, BinaryFieldConfig config) {
            this.in = in;
            this.source = source;
            this.config = config;
        }

        @Override
        public ByteVectorValues getByteVectorValues(String field) throws IOException {
            if (source.getVectorEncoding() == VectorEncoding.BYTE) {
                ByteVectorValues bytes = in.getByteVectorValues(field);
                if (bytes != null && bytes.dimension() != config.bitBytes()) {
                    throw new IllegalArgumentException(
                        "cannot merge field [" + field + "]: " + bytes.dimension() + " bytes a vector, " + config.bitBytes() + " expected"
                    );
                }
                return bytes;
            }
            FloatVectorValues floats = in.getFloatVectorValues(field);
            return floats == null ? null : new PackedFloats(floats, config.binaryDims());
        }

        @Override
        public FloatVectorValues getFloatVectorValues(String field) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void search(String field, float[] target, KnnCollector knnCollector, AcceptDocs acceptDocs) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void search(String field, byte[] target, KnnCollector knnCollector, AcceptDocs acceptDocs) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void checkIntegrity() throws IOException {
            in.checkIntegrity();
        }

        @Override
        public void close() {
            // the merge owns the wrapped reader
        }
    }

    /** Float values seen as their packed sign bits. */
    private static final class PackedFloats extends ByteVectorValues {
        private final FloatVectorValues in;
        private final int binaryDims;
        private final byte[] bits;

        PackedFloats(FloatVectorValues in, int binaryDims) {
            this.in = in;
            this.binaryDims = binaryDims;
            this.bits = new byte[SignBits.byteLength(binaryDims)];
        }

        @Override
        public byte[] vectorValue(int ord) throws IOException {
            SignBits.pack(in.vectorValue(ord), binaryDims, bits);
            return bits;
        }

        @Override
        public ByteVectorValues copy() throws IOException {
            return new PackedFloats(in.copy(), binaryDims);
        }

        @Override
        public int dimension() {
            return bits.length;
        }

        @Override
        public int size() {
            return in.size();
        }

        @Override
        public int ordToDoc(int ord) {
            return in.ordToDoc(ord);
        }

        @Override
        public Bits getAcceptOrds(Bits acceptDocs) {
            return in.getAcceptOrds(acceptDocs);
        }

        @Override
        public DocIndexIterator iterator() {
            return in.iterator();
        }
    }

    /** A float field: values go to the rescoring buffer, their sign bits to the graph. */
    private static final class FloatFieldWriter extends KnnFieldVectorsWriter<float[]> {
        private final BinaryFieldConfig config;
        private final KnnFieldVectorsWriter<byte[]> bits;
        private final RescoreVectorsWriter.FieldBuffer rescore;

        FloatFieldWriter(BinaryFieldConfig config, KnnFieldVectorsWriter<byte[]> bits, RescoreVectorsWriter.FieldBuffer rescore) {
            this.config = config;
            this.bits = bits;
            this.rescore = rescore;
        }

        @Override
        public void addValue(int docID, float[] value) throws IOException {
            // the graph writer rejects a second value for the same doc: add there first, so the buffers stay aligned
            bits.addValue(docID, SignBits.pack(value, config.binaryDims()));
            rescore.add(docID, value);
        }

        @Override
        public float[] copyValue(float[] value) {
            return value.clone();
        }

        @Override
        public long ramBytesUsed() {
            return bits.ramBytesUsed() + rescore.ramBytesUsed();
        }
    }
}
