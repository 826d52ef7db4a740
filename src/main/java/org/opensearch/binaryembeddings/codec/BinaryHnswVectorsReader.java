package org.opensearch.binaryembeddings.codec;

import org.apache.lucene.codecs.CodecUtil;
import org.apache.lucene.codecs.KnnVectorsReader;
import org.apache.lucene.codecs.hnsw.FlatVectorsFormat;
import org.apache.lucene.codecs.hnsw.FlatVectorsReader;
import org.apache.lucene.codecs.hnsw.HnswGraphProvider;
import org.apache.lucene.codecs.lucene99.Lucene99HnswVectorsReader;
import org.apache.lucene.index.ByteVectorValues;
import org.apache.lucene.index.FieldInfo;
import org.apache.lucene.index.FloatVectorValues;
import org.apache.lucene.index.IndexFileNames;
import org.apache.lucene.index.SegmentReadState;
import org.apache.lucene.index.VectorEncoding;
import org.apache.lucene.search.AcceptDocs;
import org.apache.lucene.search.KnnCollector;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.search.TopKnnCollector;
import org.apache.lucene.store.ChecksumIndexInput;
import org.apache.lucene.store.Directory;
import org.apache.lucene.util.Bits;
import org.apache.lucene.util.IOUtils;
import org.apache.lucene.util.hnsw.HnswGraph;
import org.apache.lucene.util.hnsw.HnswGraphSearcher;
import org.apache.lucene.util.hnsw.OrdinalTranslatedKnnCollector;
import org.apache.lucene.util.hnsw.RandomVectorScorer;

import java.io.IOException;
import java.util.Map;

/**
 * Reads a segment of {@link BinaryHnswVectorsFormat}. The graph and its flat file (sign bits, or centred codes) are read
 * by Lucene's readers through the fields' byte graph views; the rescoring values, and the raw sign bits of a field
 * whose graph is over centred codes, by {@link RescoreVectorsReader}.
 *
 * <ul>
 *   <li>{@link #getByteVectorValues} gives the packed sign bits, for float and byte fields alike;</li>
 *   <li>{@link #getFloatVectorValues} gives the rescoring values of a float field (int8 restored to floats); their
 *       {@code scorer} scores by bit similarity, their {@code rescorer} with the values;</li>
 *   <li>both {@code search} methods walk the graph scoring nodes by the bit similarity of their sign bits; a float
 *       query is binarized first. Over centred codes the walk reads the raw sign bits beside the rescoring values
 *       (the graph's neighbourhoods, built by the codes, are near by either).</li>
 * </ul>
 *
 * <p>Opening verifies the checksum of every file of the format, not only of the meta files as Lucene's readers do:
 * Lucene checks the data files' footers only at merges and CheckIndex, so a flipped bit in the rescoring values, the
 * packed bits or the graph would otherwise give wrong scores or neighbours without any error. A segment whose files do
 * not match their checksums fails to open with a {@link org.apache.lucene.index.CorruptIndexException}.
 */
final class BinaryHnswVectorsReader extends KnnVectorsReader implements HnswGraphProvider {

    private final RescoreVectorsReader rescoreReader;
    private final FlatVectorsReader bitsReader;
    private final Lucene99HnswVectorsReader graphReader;

    BinaryHnswVectorsReader(SegmentReadState state, FlatVectorsFormat bitsFormat) throws IOException {
        RescoreVectorsReader rescore = null;
        FlatVectorsReader bits = null;
        Lucene99HnswVectorsReader graph = null;
        boolean success = false;
        try {
            rescore = new RescoreVectorsReader(state);
            SegmentReadState graphState = new SegmentReadState(
                state.directory,
                state.segmentInfo,
                rescore.graphFieldInfos(state.fieldInfos),
                state.context,
                state.segmentSuffix
            );
            bits = bitsFormat.fieldsReader(graphState);
            graph = new Lucene99HnswVectorsReader(graphState, bits);
            for (String extension : BinaryHnswVectorsFormat.DATA_EXTENSIONS) {
                verifyChecksum(state.directory, IndexFileNames.segmentFileName(state.segmentInfo.name, state.segmentSuffix, extension));
            }
            success = true;
        } finally {
            if (success == false) {
                // the graph reader owns the bits reader once it exists
                if (graph != null) {
                    IOUtils.closeWhileHandlingException(graph, rescore);
                } else {
                    IOUtils.closeWhileHandlingException(rescore, bits);
                }
            }
        }
        this.rescoreReader = rescore;
        this.bitsReader = bits;
        this.graphReader = graph;
    }

    /**
     * Reads the whole file once, sequentially (a read-once input, not the random-access ones searches use), and
     * compares its checksum with the footer's.
     */
    private static void verifyChecksum(Directory directory, String name) throws IOException {
        try (ChecksumIndexInput in = directory.openChecksumInput(name)) {
            // a checksum input seeks forward by reading: every byte before the footer goes into the checksum
            in.seek(in.length() - CodecUtil.footerLength());
            CodecUtil.checkFooter(in);
        }
    }

    private BinaryHnswVectorsReader(BinaryHnswVectorsReader reader, Lucene99HnswVectorsReader graphMergeInstance) {
        this.rescoreReader = reader.rescoreReader;
        this.bitsReader = reader.bitsReader;
        this.graphReader = graphMergeInstance;
    }

    /** The field's configuration, or null when this segment holds no such field in this format. */
    BinaryFieldConfig config(String field) {
        RescoreVectorsReader.Entry entry = rescoreReader.entry(field);
        return entry == null ? null : entry.config();
    }

    private BinaryFieldConfig configOrThrow(String field) {
        BinaryFieldConfig config = config(field);
        if (config == null) {
            throw new IllegalArgumentException("field=\"" + field + "\" not found");
        }
        return config;
    }

    /** Lucene's reader of the packed bits and the graph (byte graph views of the fields). */
    Lucene99HnswVectorsReader graphReader() {
        return graphReader;
    }

    /**
     * Scores the field's vectors by ordinal against {@code target}: packed sign bits ({@code bitBytes} bytes) by the
     * field's bit similarity, an {@link AsymmetricQuery} by the estimate over the graph's codes.
     */
    RandomVectorScorer bitScorer(String field, byte[] target) throws IOException {
        BinaryFieldConfig config = configOrThrow(field);
        if (config.graphCodes() == GraphCodes.CENTRED && target.length == config.bitBytes()) {
            return BitVectorsScorer.INSTANCE.getRandomVectorScorer(config.bitSimilarity().graphTag(), rescoreReader.rawBits(field), target);
        }
        return bitsReader.getRandomVectorScorer(field, target);
    }

    /** The segment's mean of a field whose graph is over {@link CentredCodes}, else null. */
    float[] centroid(String field) {
        RescoreVectorsReader.Entry entry = rescoreReader.entry(field);
        return entry == null ? null : entry.centroid();
    }

    /** The field's graph records by ordinal: its sign bits, or its {@link CentredCodes} records. */
    ByteVectorValues graphValues(String field) throws IOException {
        return graphReader.getByteVectorValues(field);
    }

    @Override
    public void checkIntegrity() throws IOException {
        graphReader.checkIntegrity();
        rescoreReader.checkIntegrity();
    }

    @Override
    public FloatVectorValues getFloatVectorValues(String field) throws IOException {
        BinaryFieldConfig config = configOrThrow(field);
        if (config.encoding() != VectorEncoding.FLOAT32) {
            throw new IllegalArgumentException("field=\"" + field + "\" is encoded as: " + config.encoding() + " expected: FLOAT32");
        }
        return rescoreReader.values(field, query -> getByteVectorValues(field).scorer(SignBits.pack(query, config.binaryDims())));
    }

    @Override
    public ByteVectorValues getByteVectorValues(String field) throws IOException {
        BinaryFieldConfig config = configOrThrow(field);
        return config.graphCodes() == GraphCodes.CENTRED ? rescoreReader.rawBits(field) : graphReader.getByteVectorValues(field);
    }

    @Override
    public void search(String field, float[] target, KnnCollector knnCollector, AcceptDocs acceptDocs) throws IOException {
        BinaryFieldConfig config = configOrThrow(field);
        if (config.encoding() == VectorEncoding.FLOAT32 && target.length != config.dimension()) {
            throw new IllegalArgumentException(
                "vector query dimension: " + target.length + " differs from field dimension: " + config.dimension()
            );
        }
        searchSignBits(field, config, SignBits.pack(target, config.binaryDims()), knnCollector, acceptDocs);
    }

    @Override
    public void search(String field, byte[] target, KnnCollector knnCollector, AcceptDocs acceptDocs) throws IOException {
        BinaryFieldConfig config = configOrThrow(field);
        if (target.length != config.bitBytes()) {
            throw new IllegalArgumentException(
                "query has " + target.length + " bytes, field=\"" + field + "\" has " + config.bitBytes() + " bytes of packed bits"
            );
        }
        searchSignBits(field, config, target, knnCollector, acceptDocs);
    }

    /**
     * Walks the graph (or scans, as Lucene's reader decides) scoring each node by the bit similarity of its sign bits to
     * {@code queryBits}. Over sign bits that is Lucene's own search; over centred codes the same walk with a scorer of
     * the raw sign bits, which have the graph's ordinals.
     */
    void searchSignBits(String field, BinaryFieldConfig config, byte[] queryBits, KnnCollector knnCollector, AcceptDocs acceptDocs)
        throws IOException {
        if (config.graphCodes() != GraphCodes.CENTRED) {
            graphReader.search(field, queryBits, knnCollector, acceptDocs);
            return;
        }
        RandomVectorScorer scorer = bitScorer(field, queryBits);
        if (scorer.maxOrd() == 0 || knnCollector.k() == 0) {
            return;
        }
        KnnCollector collector = new OrdinalTranslatedKnnCollector(knnCollector, scorer::ordToDoc);
        Bits acceptedOrds = scorer.getAcceptOrds(acceptDocs.bits());
        HnswGraph graph = graphReader.getGraph(field);
        if (walksGraph(knnCollector.k(), scorer, graph, acceptDocs)) {
            HnswGraphSearcher.search(scorer, collector, graph, acceptedOrds, Math.min(acceptDocs.cost(), graph.size()));
            return;
        }
        scanAll(scorer, acceptedOrds, knnCollector);
    }

    /**
     * The top {@code k} docs by {@code target} (packed sign bits, or an {@link AsymmetricQuery}) among {@code acceptDocs}
     * — live docs, no other filter — walked by {@link HnswWalk} (or scanned, by the rule of Lucene's reader), best
     * first; total hits count the nodes scored.
     */
    TopDocs walk(String field, byte[] target, int k, AcceptDocs acceptDocs) throws IOException {
        RandomVectorScorer scorer = bitScorer(field, target);
        Bits acceptedOrds = scorer.getAcceptOrds(acceptDocs.bits());
        HnswGraph graph = graphReader.getGraph(field);
        if (scorer.maxOrd() > 0 && walksGraph(k, scorer, graph, acceptDocs)) {
            return HnswWalk.search(scorer, graph, k, acceptedOrds);
        }
        TopKnnCollector collector = new TopKnnCollector(k, Integer.MAX_VALUE);
        scanAll(scorer, acceptedOrds, collector);
        return collector.topDocs();
    }

    /** As Lucene's reader: scan when the walk would visit about as many nodes as pass the filter, or there is no graph. */
    private static boolean walksGraph(int k, RandomVectorScorer scorer, HnswGraph graph, AcceptDocs acceptDocs) throws IOException {
        int filtered = Math.min(acceptDocs.cost(), graph.size());
        return graph.size() > 0 && k < scorer.maxOrd() && HnswGraphSearcher.expectedVisitedNodes(k, graph.size()) < filtered;
    }

    private static void scanAll(RandomVectorScorer scorer, Bits acceptedOrds, KnnCollector collector) throws IOException {
        for (int ord = 0; ord < scorer.maxOrd() && collector.earlyTerminated() == false; ord++) {
            if (acceptedOrds == null || acceptedOrds.get(ord)) {
                collector.incVisitedCount(1);
                collector.collect(scorer.ordToDoc(ord), scorer.score(ord));
            }
        }
    }

    @Override
    public HnswGraph getGraph(String field) throws IOException {
        return graphReader.getGraph(field);
    }

    @Override
    public KnnVectorsReader getMergeInstance() throws IOException {
        return new BinaryHnswVectorsReader(this, (Lucene99HnswVectorsReader) graphReader.getMergeInstance());
    }

    @Override
    public void finishMerge() throws IOException {
        graphReader.finishMerge();
    }

    /**
     * The packed bits and the graph: the data a search walks, which should stay in memory. The rescoring values are
     * left out on purpose: a query reads only its shortlist's records, so they can stay on disk.
     */
    @Override
    public Map<String, Long> getOffHeapByteSize(FieldInfo field) {
        return graphReader.getOffHeapByteSize(configOrThrow(field.name).graphFieldInfo(field));
    }

    @Override
    public void close() throws IOException {
        IOUtils.close(graphReader, rescoreReader);
    }

    @Override
    public String toString() {
        return "BinaryHnswVectorsReader(" + graphReader + ")";
    }
}
