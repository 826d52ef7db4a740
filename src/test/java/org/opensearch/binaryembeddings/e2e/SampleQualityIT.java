package org.opensearch.binaryembeddings.e2e;

import org.opensearch.binaryembeddings.testdata.Corpus;

/**
 * The real-node quality check on the project's own collection (150 passages, 850 generated sentence pairs of them as
 * unjudged distractors, 76 judged queries), so that every {@code bin/test} measures what a user's searches get; the
 * quality benchmark repeats it on msmarco-5k. 76 queries make nDCG@10 move by about 0.01 when one query's top
 * hit changes, hence the wider hybrid slack than msmarco's 0.005.
 */
public class SampleQualityIT extends RetrievalQualityTestCase {

    public void testNdcgOfEveryMethodWithTheBundledModel() throws Exception {
        assertRetrievalQuality("sample", Corpus.sample().extendedTo(1000), 0.015);
    }
}
