package org.opensearch.binaryembeddings.codec;

import org.apache.lucene.codecs.KnnVectorsFormat;

/** Test-side hook for the benchmarks (package {@code bench}): formats that only tests may write. */
public final class BenchFormats {

    private BenchFormats() {}

    /** The format writing version 0 segments: every graph over the sign bits, as before centred codes. */
    public static KnnVectorsFormat signBitGraphs() {
        return new BinaryHnswVectorsFormat(16, 100, BinaryHnswVectorsFormat.VERSION_START);
    }
}
