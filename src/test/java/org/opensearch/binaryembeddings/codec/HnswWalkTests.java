package org.opensearch.binaryembeddings.codec;

import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.StringField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.LeafReader;
import org.apache.lucene.index.Term;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.search.AcceptDocs;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.search.TopKnnCollector;
import org.apache.lucene.store.Directory;
import org.apache.lucene.tests.util.LuceneTestCase;
import org.apache.lucene.util.Bits;
import org.apache.lucene.util.hnsw.HnswGraph;
import org.apache.lucene.util.hnsw.HnswGraphSearcher;
import org.apache.lucene.util.hnsw.OrdinalTranslatedKnnCollector;
import org.apache.lucene.util.hnsw.RandomVectorScorer;

import java.io.IOException;
import java.util.Random;

import static org.opensearch.binaryembeddings.codec.BinaryTestSupport.bitsField;
import static org.opensearch.binaryembeddings.codec.BinaryTestSupport.doc;
import static org.opensearch.binaryembeddings.codec.BinaryTestSupport.docs;
import static org.opensearch.binaryembeddings.codec.BinaryTestSupport.floatField;
import static org.opensearch.binaryembeddings.codec.BinaryTestSupport.gaussian;
import static org.opensearch.binaryembeddings.codec.BinaryTestSupport.scores;

/**
 * {@link HnswWalk} against Lucene's {@link HnswGraphSearcher} on the same graph and scorer: the same docs, scores and
 * number of nodes scored, for asymmetric and packed-bit queries, graphs of both format versions, a byte field of packed
 * bits, docs without a vector and deleted docs.
 */
public class HnswWalkTests extends LuceneTestCase {

    private static final String FIELD = "embedding";

    public void testWalkEqualsLuceneSearcherOnCentredCodes() throws IOException {
        checkAgainstLucene(new BinaryHnswVectorsFormat(), false, 64);
    }

    public void testWalkEqualsLuceneSearcherOnSignBitGraphOfVersion0() throws IOException {
        checkAgainstLucene(new BinaryHnswVectorsFormat(16, 100, BinaryHnswVectorsFormat.VERSION_START), false, 64);
    }

    public void testWalkEqualsLuceneSearcherOnPackedBitsField() throws IOException {
        checkAgainstLucene(new BinaryHnswVectorsFormat(), true, 64);
    }

    /** Records shorter than a word (16 bits: 2 bytes of sign bits, 10-byte centred records) are read within the file. */
    public void testWalkOverRecordsShorterThanAWord() throws IOException {
        checkAgainstLucene(new BinaryHnswVectorsFormat(), false, 16);
        checkAgainstLucene(new BinaryHnswVectorsFormat(), true, 16);
    }

    private void checkAgainstLucene(BinaryHnswVectorsFormat format, boolean packedBits, int dims) throws IOException {
        Random random = new Random(random().nextLong());
        int n = 2000 + random.nextInt(2000), binaryDims = dims;
        float[][] vectors = new float[n][];
        boolean[] deleted = new boolean[n];
        for (int i = 0; i < n; i++) {
            vectors[i] = random.nextInt(10) == 0 ? null : gaussian(random, dims);
            deleted[i] = random.nextInt(8) == 0;
        }
        try (Directory dir = newDirectory()) {
            IndexWriterConfig iwc = new IndexWriterConfig().setCodec(BinaryTestSupport.codec(format));
            try (IndexWriter w = new IndexWriter(dir, iwc)) {
                for (int i = 0; i < n; i++) {
                    Document d = doc(new StringField("id", Integer.toString(i), Field.Store.NO));
                    if (vectors[i] != null) {
                        d.add(
                            packedBits
                                ? bitsField(FIELD, SignBits.pack(vectors[i], binaryDims), BitSimilarity.HAMMING)
                                : floatField(FIELD, vectors[i], VectorSimilarityFunction.DOT_PRODUCT, binaryDims, BitSimilarity.HAMMING,
                                    RescorePrecision.FLOAT32)
                        );
                    }
                    w.addDocument(d);
                }
                w.forceMerge(1);
                for (int i = 0; i < n; i++) {
                    if (deleted[i]) {
                        w.deleteDocuments(new Term("id", Integer.toString(i)));
                    }
                }
            }
            try (DirectoryReader reader = DirectoryReader.open(dir)) {
                LeafReader leaf = getOnlyLeafReader(reader);
                BinaryHnswVectorsReader vectorsReader = BinaryTestSupport.ourReader(leaf, FIELD);
                HnswGraph graph = vectorsReader.getGraph(FIELD);
                assertTrue("a graph of several levels", graph.numLevels() > 1);
                Bits live = leaf.getLiveDocs();
                float[] centroid = vectorsReader.centroid(FIELD);
                for (int q = 0; q < 30; q++) {
                    float[] query = gaussian(random, dims);
                    int k = new int[] { 1, 5, 10, 40, 100, 250 }[q % 6];
                    byte[] bits = SignBits.pack(query, binaryDims);
                    assertSameAsLucene(vectorsReader, bits, k, live, "bits, k=" + k);
                    if (packedBits == false) {
                        float[] estimated = centroid == null
                            ? query
                            : CentredCodes.centredQuery(query, centroid, VectorSimilarityFunction.DOT_PRODUCT);
                        assertSameAsLucene(vectorsReader, AsymmetricQuery.encode(estimated, binaryDims), k, live, "asymmetric, k=" + k);
                    }
                }
                // the reader's entry point walks the graph with HnswWalk when a walk beats a scan, as here
                byte[] bits = SignBits.pack(gaussian(random, dims), binaryDims);
                TopDocs viaReader = vectorsReader.walk(FIELD, bits, 10, AcceptDocs.fromLiveDocs(live, leaf.maxDoc()));
                TopDocs lucene = lucene(vectorsReader, bits, 10, live);
                assertArrayEquals(docs(lucene.scoreDocs), docs(viaReader.scoreDocs));
            }
        }
    }

    private static void assertSameAsLucene(BinaryHnswVectorsReader reader, byte[] target, int k, Bits live, String what)
        throws IOException {
        RandomVectorScorer scorer = reader.bitScorer(FIELD, target);
        TopDocs lucene = lucene(reader, target, k, live);
        // visits in a plain bit set (this graph's size), and in a sparse one where Lucene's rule picks it (small k)
        for (int denseVisitedMax : new int[] { HnswWalk.DENSE_VISITED_MAX, 0 }) {
            TopDocs walked = HnswWalk.search(scorer, reader.getGraph(FIELD), k, scorer.getAcceptOrds(live), denseVisitedMax);
            assertArrayEquals(what, docs(lucene.scoreDocs), docs(walked.scoreDocs));
            assertArrayEquals(what, scores(lucene.scoreDocs), scores(walked.scoreDocs), 0f);
            assertEquals(what + ": nodes scored", lucene.totalHits.value(), walked.totalHits.value());
            assertEquals(what, Math.min(k, countLive(reader, live)), walked.scoreDocs.length);
        }
    }

    private static TopDocs lucene(BinaryHnswVectorsReader reader, byte[] target, int k, Bits live) throws IOException {
        RandomVectorScorer scorer = reader.bitScorer(FIELD, target);
        HnswGraph graph = reader.getGraph(FIELD);
        TopKnnCollector collector = new TopKnnCollector(k, Integer.MAX_VALUE);
        HnswGraphSearcher.search(scorer, new OrdinalTranslatedKnnCollector(collector, scorer::ordToDoc), graph, scorer.getAcceptOrds(live),
            graph.size());
        return collector.topDocs();
    }

    private static int countLive(BinaryHnswVectorsReader reader, Bits live) throws IOException {
        var values = reader.getByteVectorValues(FIELD);
        int count = 0;
        for (int ord = 0; ord < values.size(); ord++) {
            if (live == null || live.get(values.ordToDoc(ord))) {
                count++;
            }
        }
        return count;
    }
}
