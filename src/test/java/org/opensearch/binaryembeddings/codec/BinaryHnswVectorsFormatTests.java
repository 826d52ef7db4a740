package org.opensearch.binaryembeddings.codec;

import org.apache.lucene.codecs.Codec;
import org.apache.lucene.tests.index.BaseKnnVectorsFormatTestCase;
import org.apache.lucene.tests.util.TestUtil;

/**
 * Lucene's own test suite for vectors formats (and, through it, BaseIndexFileFormatTestCase), run on
 * {@link BinaryHnswVectorsFormat} with fields that carry no attributes, so the defaults apply: float fields keep
 * float32 values and are binarized over all their dims (rounded up to a byte), byte fields are taken as packed bits.
 *
 * <p>No test is overridden: the suite checks storage, doc/ord mapping, sorting, merging, deletes, CheckIndex, RAM and
 * off-heap accounting and exceptions, and its search tests assert only what holds for any similarity (sizes,
 * visited limits, live docs), so the Hamming graph passes them unchanged. Two tests skip themselves by the suite's own
 * switches: testReadQuantizedVectorWithEmptyRawVectors (only for formats whose float values fall back to a quantized
 * copy; here the rescoring values are the only float copy) and testMergeStability (HNSW merges are never
 * byte-stable). Hamming/Jaccard scores, rescoring and int8 are tested in BinaryVectorsTests and BinaryHnswMergeTests.
 */
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
