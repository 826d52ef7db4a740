package org.opensearch.binaryembeddings.quality;

import org.opensearch.binaryembeddings.testdata.Corpus;
import org.opensearch.test.OpenSearchTestCase;

/** The quality benchmark's data set is the one its figures were measured on. */
public class MsMarcoTests extends OpenSearchTestCase {

    public void testLoadsTheSharedSubset() {
        Corpus m = Corpus.msmarco();
        assertEquals(5000, m.docs.size());
        assertEquals(50, m.queries.size());
        assertEquals(43, m.judgedQueries().size());
    }
}
