package org.opensearch.binaryembeddings.codec;

import org.apache.lucene.codecs.Codec;
import org.apache.lucene.tests.index.BaseKnnVectorsFormatTestCase;
import org.apache.lucene.tests.util.TestUtil;

/** Lucene's own test suite for vectors formats, run on {@link BinaryHnswVectorsFormat}. */
public class BinaryHnswVectorsFormatTests extends BaseKnnVectorsFormatTestCase {

    @Override
    protected Codec getCodec() {
        return TestUtil.alwaysKnnVectorsFormat(new BinaryHnswVectorsFormat());
    }

    @Override
    protected boolean supportsFloatVectorFallback() {
        return false; // the rescoring values are the only float values; there is nothing to fall back from
    }
}
