package org.opensearch.binaryembeddings.quality;

import com.carrotsearch.randomizedtesting.annotations.ThreadLeakFilters;
import com.carrotsearch.randomizedtesting.annotations.ThreadLeakLingering;

import org.apache.lucene.tests.util.LuceneTestCase;
import org.opensearch.binaryembeddings.codec.BinaryHnswRecallTests;
import org.opensearch.binaryembeddings.codec.RescorePrecision;
import org.opensearch.binaryembeddings.testdata.Corpus;
import org.opensearch.binaryembeddings.testdata.ReferenceEmbeddings;

import java.io.IOException;
import java.util.Map;

/**
 * The codec's recall and rescoring path on msmarco-5k (5,000 passages, 50 queries, bge-small-en-v1.5 int8 reference
 * embeddings): graph recall@10 at least 0.95 at the default width, and nDCG@10 of Hamming top 100 rescored within 0.02
 * of exact float cosine (0.819), i.e. at least 0.80 as before the benchmark moved out of {@code bin/test}.
 */
@ThreadLeakFilters(defaultFilters = true, filters = { BinaryHnswRecallTests.JnaCleaner.class })
@ThreadLeakLingering(linger = 70_000)
public class MsMarcoRecallTests extends LuceneTestCase {

    public void testMsMarcoEmbeddings() throws IOException {
        Corpus corpus = Corpus.msmarco();
        Map<RescorePrecision, Double> ndcg = BinaryHnswRecallTests.realEmbeddings(
            "msmarco-5k",
            corpus,
            ReferenceEmbeddings.passages("msmarco-5k", corpus),
            ReferenceEmbeddings.queries("msmarco-5k", corpus),
            LuceneTestCase::createTempDir,
            0.02
        );
        for (Map.Entry<RescorePrecision, Double> e : ndcg.entrySet()) {
            assertTrue(e.getKey() + " nDCG@10 " + e.getValue(), e.getValue() >= 0.80);
        }
    }
}
