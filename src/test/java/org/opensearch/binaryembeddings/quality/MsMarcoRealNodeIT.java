package org.opensearch.binaryembeddings.quality;

import org.opensearch.binaryembeddings.e2e.RetrievalQualityTestCase;
import org.opensearch.binaryembeddings.testdata.Corpus;

/**
 * The real-node quality check on msmarco-5k (the quality benchmark): binary_knn keeps 99.5% of exact cosine's nDCG@10,
 * the default hybrid is within 0.005 of the better of BM25 and binary_knn, filtered recall at least 0.95.
 */
public class MsMarcoRealNodeIT extends RetrievalQualityTestCase {

    public void testNdcgOfEveryMethodWithTheBundledModel() throws Exception {
        assertRetrievalQuality("msmarco", Corpus.msmarco(), 0.005);
    }
}
