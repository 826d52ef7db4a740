package org.opensearch.binaryembeddings.codec;

import org.apache.lucene.codecs.Codec;
import org.apache.lucene.codecs.lucene104.Lucene104Codec;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.NumericDocValuesField;
import org.apache.lucene.document.StringField;
import org.apache.lucene.index.ByteVectorValues;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.FloatVectorValues;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.KnnVectorValues;
import org.apache.lucene.index.LeafReader;
import org.apache.lucene.index.LogDocMergePolicy;
import org.apache.lucene.index.NumericDocValues;
import org.apache.lucene.index.Term;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.search.DocIdSetIterator;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.Sort;
import org.apache.lucene.search.SortField;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.store.Directory;
import org.apache.lucene.tests.util.LuceneTestCase;
import org.apache.lucene.tests.util.TestUtil;
import org.apache.lucene.util.InfoStream;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.opensearch.binaryembeddings.codec.BinaryTestSupport.doc;
import static org.opensearch.binaryembeddings.codec.BinaryTestSupport.exactTop;
import static org.opensearch.binaryembeddings.codec.BinaryTestSupport.floatField;
import static org.opensearch.binaryembeddings.codec.BinaryTestSupport.gaussian;
import static org.opensearch.binaryembeddings.codec.BinaryTestSupport.scores;
import static org.opensearch.binaryembeddings.codec.BinaryTestSupport.tieAwareRecall;
import static org.opensearch.binaryembeddings.testsupport.Vectors.unit;


/** Several segments with deletes merged into one: stored data, CheckIndex, search against exact search, graph reuse. */
public class BinaryHnswMergeTests extends LuceneTestCase {

    private static final String FIELD = "embedding";

    /** Collects Lucene's HNSW messages (graph builds and merges). */
    private static final class HnswMessages extends InfoStream {
        final List<String> messages = new ArrayList<>();

        @Override
        public synchronized void message(String component, String message) {
            messages.add(message);
        }

        @Override
        public boolean isEnabled(String component) {
            return "HNSW".equals(component);
        }

        @Override
        public void close() {}

        synchronized boolean any(String prefix) {
            return messages.stream().anyMatch(m -> m.startsWith(prefix));
        }
    }

    private record Setup(int dims, int binaryDims, BitSimilarity bits, RescorePrecision precision, VectorSimilarityFunction similarity) {
        static Setup random(Random r) {
            int dims = 24 + r.nextInt(100);
            return new Setup(
                dims,
                8 * (1 + r.nextInt((dims + 7) / 8)),
                r.nextBoolean() ? BitSimilarity.HAMMING : BitSimilarity.JACCARD,
                r.nextBoolean() ? RescorePrecision.FLOAT32 : RescorePrecision.INT8,
                r.nextBoolean() ? VectorSimilarityFunction.COSINE : VectorSimilarityFunction.EUCLIDEAN
            );
        }
    }

    private static IndexWriterConfig config(Codec codec, InfoStream infoStream) {
        LogDocMergePolicy mergePolicy = new LogDocMergePolicy();
        mergePolicy.setMergeFactor(1000); // no merges but the forced one
        return new IndexWriterConfig().setCodec(codec)
            .setMergePolicy(mergePolicy)
            .setMaxBufferedDocs(IndexWriterConfig.DISABLE_AUTO_FLUSH)
            .setRAMBufferSizeMB(256)
            .setInfoStream(infoStream);
    }

    private static Document vectorDoc(int id, float[] v, Setup s) {
        Document d = doc(new StringField("id", Integer.toString(id), Field.Store.NO), new NumericDocValuesField("id", id));
        if (v != null) {
            d.add(floatField(FIELD, v, s.similarity(), s.binaryDims(), s.bits(), s.precision()));
        }
        return d;
    }

    public void testForceMergeWithDeletesKeepsEverythingAndSearchesLikeExact() throws IOException {
        Setup s = Setup.random(random());
        int n = 4000;
        float[][] vectors = new float[n][];
        boolean[] deleted = new boolean[n];
        HnswMessages info = new HnswMessages();
        try (Directory dir = newDirectory()) {
            try (IndexWriter w = new IndexWriter(dir, config(BinaryTestSupport.codec(new BinaryHnswVectorsFormat()), info))) {
                for (int i = 0; i < n; i++) {
                    vectors[i] = random().nextInt(12) == 0 ? null : unit(gaussian(random(), s.dims()));
                    w.addDocument(vectorDoc(i, vectors[i], s));
                    if (i == 2400 || i == 3000 || i == 3500) { // one large segment (with a graph), then smaller ones
                        w.commit();
                    }
                }
                for (int i = 0; i < n; i++) {
                    if (random().nextInt(7) == 0) {
                        deleted[i] = true;
                        w.deleteDocuments(new Term("id", Integer.toString(i)));
                    }
                }
                w.commit();
                assertEquals(4, segmentCount(dir));
                info.messages.clear();
                w.forceMerge(1);
            }
            assertTrue("the largest segment's graph is reused: " + info.messages, info.any("build graph from merging"));
            TestUtil.checkIndex(dir);

            try (DirectoryReader reader = DirectoryReader.open(dir)) {
                LeafReader leaf = getOnlyLeafReader(reader);
                int[] idOf = ids(leaf);
                BinaryVectors v = BinaryVectors.forLeaf(leaf, FIELD);
                checkStoredValues(v, idOf, vectors, deleted, s);

                byte[][] live = new byte[leaf.maxDoc()][]; // by merged doc id
                for (int doc = 0; doc < leaf.maxDoc(); doc++) {
                    float[] original = vectors[idOf[doc]];
                    live[doc] = original == null ? null : SignBits.pack(original, s.binaryDims());
                }
                double recall = 0;
                int queries = 20;
                for (int q = 0; q < queries; q++) {
                    byte[] qBits = SignBits.pack(unit(gaussian(random(), s.dims())), s.binaryDims());
                    List<ScoreDoc> exact = exactTop(s.bits(), qBits, live, 10);
                    assertArrayEquals(scores(exact), scores(v.exactSearch(qBits, 10, null).scoreDocs), 0f);
                    TopDocs graph = v.searchBits(qBits, 10, 100, null);
                    for (ScoreDoc sd : graph.scoreDocs) {
                        assertEquals(s.bits().score(qBits, live[sd.doc]), sd.score, 0f);
                    }
                    recall += tieAwareRecall(graph, exact, doc -> s.bits().score(qBits, live[doc]));
                }
                assertTrue("recall " + recall / queries + " " + s, recall / queries >= 0.9);
            }
        }
    }

    private static int segmentCount(Directory dir) throws IOException {
        try (DirectoryReader r = DirectoryReader.open(dir)) {
            return r.leaves().size();
        }
    }

    private static int[] ids(LeafReader leaf) throws IOException {
        int[] idOf = new int[leaf.maxDoc()];
        NumericDocValues ids = leaf.getNumericDocValues("id");
        for (int doc = 0; doc < leaf.maxDoc(); doc++) {
            assertTrue(ids.advanceExact(doc));
            idOf[doc] = (int) ids.longValue();
        }
        return idOf;
    }

    /** Each live doc has the bits and values of its original vector; deleted docs are gone. */
    private static void checkStoredValues(BinaryVectors v, int[] idOf, float[][] vectors, boolean[] deleted, Setup s) throws IOException {
        ByteVectorValues bits = v.bitValues();
        FloatVectorValues values = v.rescoringValues();
        KnnVectorValues.DocIndexIterator bitIt = bits.iterator(), valueIt = values.iterator();
        int expected = 0;
        for (int doc = 0; doc < idOf.length; doc++) {
            int id = idOf[doc];
            assertFalse("deleted doc survived the merge: id " + id, deleted[id]);
            if (vectors[id] == null) {
                continue;
            }
            expected++;
            assertEquals(doc, bitIt.advance(doc));
            assertEquals(doc, valueIt.advance(doc));
            assertArrayEquals(SignBits.pack(vectors[id], s.binaryDims()), bits.vectorValue(bitIt.index()));
            float[] stored = values.vectorValue(valueIt.index());
            if (s.precision() == RescorePrecision.FLOAT32) {
                assertArrayEquals(vectors[id], stored, 0f);
            } else {
                byte[] record = new byte[RescorePrecision.INT8.recordBytes(s.dims())];
                RescorePrecision.INT8.encode(vectors[id], record);
                float[] restored = new float[s.dims()];
                RescorePrecision.INT8.decode(record, restored);
                assertArrayEquals(restored, stored, 1e-6f);
            }
        }
        assertEquals(expected, bits.size());
        assertEquals(expected, values.size());
    }

    public void testSortedIndexKeepsBitsAndValuesOfEachDocTogether() throws IOException {
        Setup s = Setup.random(random());
        int n = 1500;
        float[][] vectors = new float[n][];
        boolean[] deleted = new boolean[n];
        try (Directory dir = newDirectory()) {
            IndexWriterConfig iwc = config(BinaryTestSupport.codec(new BinaryHnswVectorsFormat()), InfoStream.NO_OUTPUT)
                .setIndexSort(new Sort(new SortField("sort", SortField.Type.INT)));
            try (IndexWriter w = new IndexWriter(dir, iwc)) {
                for (int i = 0; i < n; i++) {
                    vectors[i] = random().nextInt(5) == 0 ? null : unit(gaussian(random(), s.dims()));
                    Document d = vectorDoc(i, vectors[i], s);
                    d.add(new NumericDocValuesField("sort", random().nextInt(1000)));
                    w.addDocument(d);
                    if (random().nextInt(400) == 0) {
                        w.commit();
                    }
                }
                w.commit();
                try (DirectoryReader reader = DirectoryReader.open(w)) { // flushed, sorted segments
                    for (var ctx : reader.leaves()) {
                        BinaryVectors v = BinaryVectors.forLeaf(ctx.reader(), FIELD);
                        if (v == null) {
                            // a segment (a commit after a few docs) whose docs all lack the field has no vectors at all
                            for (int id : ids(ctx.reader())) {
                                assertNull("doc " + id + " has a vector, its segment none", vectors[id]);
                            }
                            continue;
                        }
                        checkStoredValues(v, ids(ctx.reader()), vectors, deleted, s);
                    }
                }
                for (int i = 0; i < n; i += 9) {
                    deleted[i] = true;
                    w.deleteDocuments(new Term("id", Integer.toString(i)));
                }
                w.forceMerge(1);
            }
            TestUtil.checkIndex(dir);
            try (DirectoryReader reader = DirectoryReader.open(dir)) {
                LeafReader leaf = getOnlyLeafReader(reader);
                checkStoredValues(BinaryVectors.forLeaf(leaf, FIELD), ids(leaf), vectors, deleted, s);
            }
        }
    }

    public void testMergesSegmentsWrittenByAnotherFormat() throws IOException {
        Setup s = Setup.random(random());
        int n = 900;
        float[][] vectors = new float[n][];
        boolean[] deleted = new boolean[n];
        try (Directory dir = newDirectory()) {
            try (IndexWriter w = new IndexWriter(dir, config(new Lucene104Codec(), InfoStream.NO_OUTPUT))) { // Lucene's float HNSW
                for (int i = 0; i < n / 2; i++) {
                    vectors[i] = unit(gaussian(random(), s.dims()));
                    w.addDocument(vectorDoc(i, vectors[i], s));
                }
            }
            try (IndexWriter w = new IndexWriter(dir, config(BinaryTestSupport.codec(new BinaryHnswVectorsFormat()), InfoStream.NO_OUTPUT))) {
                for (int i = n / 2; i < n; i++) {
                    vectors[i] = unit(gaussian(random(), s.dims()));
                    w.addDocument(vectorDoc(i, vectors[i], s));
                }
                w.deleteDocuments(new Term("id", "5"));
                deleted[5] = true;
                w.forceMerge(1);
            }
            TestUtil.checkIndex(dir);
            try (DirectoryReader reader = DirectoryReader.open(dir)) {
                LeafReader leaf = getOnlyLeafReader(reader);
                BinaryVectors v = BinaryVectors.forLeaf(leaf, FIELD);
                assertNotNull(v);
                checkStoredValues(v, ids(leaf), vectors, deleted, s);
            }
        }
    }
}
