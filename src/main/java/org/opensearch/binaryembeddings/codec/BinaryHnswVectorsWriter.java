package org.opensearch.binaryembeddings.codec;

import org.apache.lucene.codecs.KnnFieldVectorsWriter;
import org.apache.lucene.codecs.KnnVectorsReader;
import org.apache.lucene.codecs.KnnVectorsWriter;
import org.apache.lucene.codecs.hnsw.FlatVectorsFormat;
import org.apache.lucene.codecs.hnsw.HnswGraphProvider;
import org.apache.lucene.codecs.lucene99.Lucene99HnswVectorsWriter;
import org.apache.lucene.codecs.perfield.PerFieldKnnVectorsFormat;
import org.apache.lucene.index.ByteVectorValues;
import org.apache.lucene.index.FieldInfo;
import org.apache.lucene.index.FieldInfos;
import org.apache.lucene.index.FloatVectorValues;
import org.apache.lucene.index.KnnVectorValues;
import org.apache.lucene.index.MergeState;
import org.apache.lucene.index.SegmentWriteState;
import org.apache.lucene.index.Sorter;
import org.apache.lucene.index.VectorEncoding;
import org.apache.lucene.search.AcceptDocs;
import org.apache.lucene.search.DocIdSetIterator;
import org.apache.lucene.search.KnnCollector;
import org.apache.lucene.util.Bits;
import org.apache.lucene.util.IORunnable;
import org.apache.lucene.util.IOUtils;
import org.apache.lucene.util.hnsw.HnswGraph;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes a segment of {@link BinaryHnswVectorsFormat}: every field goes to Lucene's HNSW writer as its byte "graph
 * view" ({@link BinaryFieldConfig#graphFieldInfo}), and a float field's values also go to the rescoring file.
 *
 * <p>A float field's graph view holds {@link CentredCodes centred codes}, which depend on the segment's mean: its values
 * are buffered (as the rescoring records they will be stored as) and handed to the graph at flush, once the mean is
 * known; a merge computes the merged segment's mean in one pass over the segments' rescoring values, then codes each
 * value from it. A byte field's graph view is its packed bits, added as they come. Written with version 0 (tests of
 * older indices only), every field's graph view is its sign bits, as that version wrote them.
 */
final class BinaryHnswVectorsWriter extends KnnVectorsWriter {

    private final int version;
    private final Lucene99HnswVectorsWriter graphWriter;
    private final RescoreVectorsWriter rescoreWriter;
    private final List<FloatFieldWriter> centredFields = new ArrayList<>();

    BinaryHnswVectorsWriter(SegmentWriteState state, int maxConn, int beamWidth, FlatVectorsFormat bitsFormat, int version)
        throws IOException {
        this.version = version;
        Lucene99HnswVectorsWriter graph = null;
        RescoreVectorsWriter rescore = null;
        boolean success = false;
        try {
            SegmentWriteState graphState = graphState(state, version);
            graph = new Lucene99HnswVectorsWriter(graphState, maxConn, beamWidth, bitsFormat, bitsFormat.fieldsWriter(graphState), 1, null);
            rescore = new RescoreVectorsWriter(state, version);
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
        BinaryFieldConfig config = config(field, version);
        KnnFieldVectorsWriter<byte[]> bits = (KnnFieldVectorsWriter<byte[]>) graphWriter.addField(config.graphFieldInfo(field));
        RescoreVectorsWriter.FieldBuffer rescore = rescoreWriter.addField(field, config);
        if (field.getVectorEncoding() == VectorEncoding.BYTE) {
            return bits;
        }
        FloatFieldWriter writer = new FloatFieldWriter(config, bits, rescore, field.name);
        if (config.graphCodes() == GraphCodes.CENTRED) {
            centredFields.add(writer);
        }
        return writer;
    }

    /** The field's configuration as this writer's version writes it. */
    private static BinaryFieldConfig config(FieldInfo field, int version) {
        BinaryFieldConfig config = BinaryFieldConfig.of(field);
        return version < BinaryHnswVectorsFormat.VERSION_CENTRED ? config.withGraphCodes(GraphCodes.SIGN_BITS) : config;
    }

    @Override
    public void flush(int maxDoc, Sorter.DocMap sortMap) throws IOException {
        for (FloatFieldWriter field : centredFields) {
            // the segment's mean first, then each value's code: the graph is built as the codes are added
            BinaryFieldConfig config = field.config;
            CentredCodes.Centroid centroid = new CentredCodes.Centroid(config.binaryDims(), config.rescoreSimilarity());
            rescoreWriter.forEachValue(field.rescore, (doc, value) -> centroid.add(value));
            float[] mean = centroid.mean();
            field.rescore.centroid = mean;
            float[] scratch = new float[config.binaryDims()];
            byte[] record = new byte[config.graphBytes()]; // the graph's flat writer copies what it is given
            rescoreWriter.forEachValue(field.rescore, (doc, value) -> {
                CentredCodes.encode(value, mean, config.rescoreSimilarity(), scratch, record);
                field.bits.addValue(doc, record);
            });
        }
        graphWriter.flush(maxDoc, sortMap);
        rescoreWriter.flush(maxDoc, sortMap);
    }

    /**
     * Merges the bits and the rescoring values now; the graph is built in the deferred step Lucene 10.5 runs after every
     * field's flat values are written (it reopens the bits file then, see {@link #graphState}).
     */
    @Override
    public IORunnable mergeOneField(FieldInfo field, MergeState mergeState) throws IOException {
        BinaryFieldConfig config = config(field, version);
        MergeState graphMerge;
        float[] mean = null;
        if (config.graphCodes() == GraphCodes.CENTRED) {
            CentredCodes.Centroid centroid = new CentredCodes.Centroid(config.binaryDims(), config.rescoreSimilarity());
            FloatVectorValues values = KnnVectorsWriter.MergedVectorValues.mergeFloatVectorValues(field, mergeState);
            KnnVectorValues.DocIndexIterator it = values.iterator();
            for (int doc = it.nextDoc(); doc != DocIdSetIterator.NO_MORE_DOCS; doc = it.nextDoc()) {
                centroid.add(values.vectorValue(it.index()));
            }
            mean = centroid.mean();
            float[] codesMean = mean;
            graphMerge = withReaders(
                mergeState,
                (reader, source) -> CodingReader.of(unwrap(reader, field.name), field.name, config, codesMean),
                field.name
            );
        } else {
            graphMerge = bitsMergeState(field, config, mergeState);
        }
        IORunnable buildGraph = graphWriter.mergeOneField(config.graphFieldInfo(field), graphMerge);
        MergeState rawBits = withReaders(mergeState, (reader, source) -> rawBitsReader(reader, field, config, source), field.name);
        rescoreWriter.merge(field, config, mergeState, rawBits, mean);
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
    private static SegmentWriteState graphState(SegmentWriteState state, int version) {
        if (state.fieldInfos == null) {
            return state;
        }
        FieldInfo[] infos = new FieldInfo[state.fieldInfos.size()];
        int i = 0;
        for (FieldInfo field : state.fieldInfos) {
            infos[i++] = field.hasVectorValues() ? graphView(field, version) : field;
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

    private static FieldInfo graphView(FieldInfo field, int version) {
        try {
            return config(field, version).graphFieldInfo(field);
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
    private static MergeState bitsMergeState(FieldInfo field, BinaryFieldConfig config, MergeState ms) throws IOException {
        return withReaders(ms, (reader, source) -> bitsReader(reader, field, config, source), field.name);
    }

    /** A segment's reader seen another way for one field of a merge; {@code source} is the field in that segment. */
    private interface ReaderView {
        KnnVectorsReader view(KnnVectorsReader reader, FieldInfo source) throws IOException;
    }

    /**
     * The merge with each segment's reader replaced by {@code view} of it, for the segments that have the field's
     * vectors (the others as they are).
     */
    private static MergeState withReaders(MergeState ms, ReaderView view, String field) throws IOException {
        KnnVectorsReader[] readers = new KnnVectorsReader[ms.knnVectorsReaders.length];
        for (int i = 0; i < readers.length; i++) {
            KnnVectorsReader reader = ms.knnVectorsReaders[i];
            FieldInfo source = ms.fieldInfos[i].fieldInfo(field);
            readers[i] = reader == null || source == null || source.hasVectorValues() == false ? reader : view.view(reader, source);
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

    /** The field's reader in a segment (looked up through the per-field wrapper). */
    private static KnnVectorsReader unwrap(KnnVectorsReader reader, String field) {
        return reader instanceof PerFieldKnnVectorsFormat.FieldsReader perField ? perField.getFieldReader(field) : reader;
    }

    /**
     * A segment's packed sign bits of the field for a graph over sign bits: a segment of this format whose graph is over
     * the same bits gives its graph reader (which also provides its graph), any other its raw bits.
     */
    private static KnnVectorsReader bitsReader(KnnVectorsReader reader, FieldInfo field, BinaryFieldConfig config, FieldInfo source) {
        if (unwrap(reader, field.name) instanceof BinaryHnswVectorsReader ours) {
            BinaryFieldConfig theirs = ours.config(field.name);
            if (theirs != null
                && theirs.graphCodes() == GraphCodes.SIGN_BITS
                && theirs.binaryDims() == config.binaryDims()
                && theirs.bitSimilarity() == config.bitSimilarity()) {
                return ours.graphReader();
            }
        }
        return rawBitsReader(reader, field, config, source);
    }

    /** A segment's raw sign bits of the field: those this format keeps, or computed from another format's values. */
    private static KnnVectorsReader rawBitsReader(KnnVectorsReader reader, FieldInfo field, BinaryFieldConfig config, FieldInfo source) {
        if (unwrap(reader, field.name) instanceof BinaryHnswVectorsReader ours && ours.config(field.name) != null) {
            BinaryFieldConfig theirs = ours.config(field.name);
            if (theirs.binaryDims() != config.binaryDims()) {
                throw new IllegalArgumentException(
                    "cannot merge field [" + field.name + "]: " + theirs.binaryDims() + " binary dims in a segment, " + config.binaryDims() + " expected"
                );
            }
            return new BinarizingReader(ours, source, config);
        }
        return new BinarizingReader(reader, source, config);
    }

    /** A segment's reader seen another way for one field of a merge: only its byte values are read. */
    private abstract static class MergeView extends KnnVectorsReader {
        final KnnVectorsReader in;

        MergeView(KnnVectorsReader in) {
            this.in = in;
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

    /**
     * Serves a segment's values of the field as packed bits: the raw sign bits a segment of this format keeps, or
     * another format's values binarized (floats) or taken as bits (bytes).
     */
    private static final class BinarizingReader extends MergeView {
        private final FieldInfo source;
        private final BinaryFieldConfig config;

        BinarizingReader(KnnVectorsReader in, FieldInfo source, BinaryFieldConfig config) {
            super(in);
            this.source = source;
            this.config = config;
        }

        @Override
        public ByteVectorValues getByteVectorValues(String field) throws IOException {
            if (source.getVectorEncoding() == VectorEncoding.BYTE || in instanceof BinaryHnswVectorsReader) {
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

    }

    /** Float values seen as bytes computed from each value: ordinals, docs and iteration are the floats'. */
    private abstract static class FloatsAsBytes extends ByteVectorValues {
        final FloatVectorValues in;

        FloatsAsBytes(FloatVectorValues in) {
            this.in = in;
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

    /** Float values seen as their packed sign bits. */
    private static final class PackedFloats extends FloatsAsBytes {
        private final int binaryDims;
        private final byte[] bits;

        PackedFloats(FloatVectorValues in, int binaryDims) {
            super(in);
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
    }

    /**
     * A segment's float values of the field seen as {@link CentredCodes} records for the merged segment's mean; a
     * segment of this format also gives its graph ({@link Graphed}), which the merge may start from.
     */
    private static class CodingReader extends MergeView {
        private final BinaryFieldConfig config;
        private final float[] mean;

        CodingReader(KnnVectorsReader in, BinaryFieldConfig config, float[] mean) {
            super(in);
            this.config = config;
            this.mean = mean;
        }

        static CodingReader of(KnnVectorsReader in, String field, BinaryFieldConfig config, float[] mean) {
            if (in instanceof BinaryHnswVectorsReader ours && ours.config(field) != null) {
                return new Graphed(ours, config, mean);
            }
            return new CodingReader(in, config, mean);
        }

        @Override
        public ByteVectorValues getByteVectorValues(String field) throws IOException {
            FloatVectorValues floats = in.getFloatVectorValues(field);
            return floats == null ? null : new CodedFloats(floats, config, mean);
        }

    }

    /**
     * A segment of this format: its graph, whatever codes it was built over, is a fine start for the merged graph (its
     * neighbours are near by either code), so Lucene's merger may reuse the largest segment's graph as before.
     */
    private static final class Graphed extends CodingReader implements HnswGraphProvider {
        Graphed(BinaryHnswVectorsReader in, BinaryFieldConfig config, float[] mean) {
            super(in, config, mean);
        }

        @Override
        public HnswGraph getGraph(String field) throws IOException {
            return ((BinaryHnswVectorsReader) in).getGraph(field);
        }
    }

    /** Float values seen as their centred-code records. */
    private static final class CodedFloats extends FloatsAsBytes {
        private final BinaryFieldConfig config;
        private final float[] mean;
        private final float[] scratch;
        private final byte[] record;

        CodedFloats(FloatVectorValues in, BinaryFieldConfig config, float[] mean) {
            super(in);
            this.config = config;
            this.mean = mean;
            this.scratch = new float[config.binaryDims()];
            this.record = new byte[config.graphBytes()];
        }

        @Override
        public byte[] vectorValue(int ord) throws IOException {
            CentredCodes.encode(in.vectorValue(ord), mean, config.rescoreSimilarity(), scratch, record);
            return record;
        }

        @Override
        public ByteVectorValues copy() throws IOException {
            return new CodedFloats(in.copy(), config, mean);
        }

        @Override
        public int dimension() {
            return record.length;
        }
    }

    /**
     * A float field: values go to the rescoring buffer; their sign bits go to the graph as they come, or, for centred
     * codes, their codes at flush ({@link #flush}).
     */
    private static final class FloatFieldWriter extends KnnFieldVectorsWriter<float[]> {
        private final BinaryFieldConfig config;
        private final KnnFieldVectorsWriter<byte[]> bits;
        private final RescoreVectorsWriter.FieldBuffer rescore;
        private final String name;
        private int lastDoc = -1;

        FloatFieldWriter(BinaryFieldConfig config, KnnFieldVectorsWriter<byte[]> bits, RescoreVectorsWriter.FieldBuffer rescore, String name) {
            this.config = config;
            this.bits = bits;
            this.rescore = rescore;
            this.name = name;
        }

        @Override
        public void addValue(int docID, float[] value) throws IOException {
            if (config.graphCodes() == GraphCodes.CENTRED) {
                // the graph writer sees the codes only at flush: refuse a second value now, as it would
                if (docID == lastDoc) {
                    throw new IllegalArgumentException(
                        "VectorValuesField \"" + name + "\" appears more than once in this document (only one value is allowed per field)"
                    );
                }
                lastDoc = docID;
            } else {
                // the graph writer rejects a second value for the same doc: add there first, so the buffers stay aligned
                bits.addValue(docID, SignBits.pack(value, config.binaryDims()));
            }
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
