package org.opensearch.binaryembeddings.codec;

import org.apache.lucene.codecs.lucene90.IndexedDISI;
import org.apache.lucene.codecs.lucene95.OrdToDocDISIReaderConfiguration;
import org.apache.lucene.index.FloatVectorValues;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.search.DocIdSetIterator;
import org.apache.lucene.search.VectorScorer;
import org.apache.lucene.store.IndexInput;
import org.apache.lucene.store.RandomAccessInput;
import org.apache.lucene.util.Bits;
import org.apache.lucene.util.packed.DirectMonotonicReader;

import java.io.IOException;

/**
 * The rescoring values of one field in one segment, read off-heap from a slice of the (memory-mapped) rescoring file
 * one record at a time; int8 records are restored to floats on access.
 *
 * <p>As Lucene asks of formats that search a lossy encoding, {@link #scorer} scores like the graph does (bit similarity
 * of the query's sign bits and the doc's packed bits), so exact and approximate searches agree, and {@link #rescorer}
 * scores with the full-precision values and the field's own similarity.
 */
final class RescoreVectorValues extends FloatVectorValues {

    /** Scores the docs' packed bits against a float query, as the graph does. */
    @FunctionalInterface
    interface BitScorers {
        VectorScorer scorer(float[] query) throws IOException;
    }

    private final RescorePrecision precision;
    private final VectorSimilarityFunction similarity;
    private final BitScorers bitScorers;
    private final int dimension;
    private final int size;
    private final int recordBytes;
    private final IndexInput slice;
    /** Where the doc ids are, and the file they are in; only a sparse field (some docs without a value) has them. */
    private final OrdToDocDISIReaderConfiguration docs;
    private final IndexInput docsData;
    private final boolean sparse;
    /** ord → doc of a sparse field, null when ord = doc. */
    private final DirectMonotonicReader ordToDoc;
    private final float[] value;
    private final byte[] scratch;
    private int lastOrd = -1;
    /** What {@link #touch} read, kept so that its loads are not dropped as unused. */
    private long touched;

    private RescoreVectorValues(
        RescorePrecision precision,
        VectorSimilarityFunction similarity,
        BitScorers bitScorers,
        int dimension,
        int size,
        IndexInput slice,
        OrdToDocDISIReaderConfiguration docs,
        IndexInput docsData
    ) throws IOException {
        this.precision = precision;
        this.similarity = similarity;
        this.bitScorers = bitScorers;
        this.dimension = dimension;
        this.size = size;
        this.recordBytes = precision.recordBytes(dimension);
        this.slice = slice;
        this.docs = docs;
        this.docsData = docsData;
        this.sparse = docs.isDense() == false && docs.isEmpty() == false;
        this.ordToDoc = sparse ? docs.getDirectMonotonicReader(docsData) : null;
        this.value = new float[dimension];
        this.scratch = new byte[recordBytes];
    }

    static RescoreVectorValues load(
        RescorePrecision precision,
        VectorSimilarityFunction similarity,
        BitScorers bitScorers,
        int dimension,
        int size,
        long offset,
        long length,
        OrdToDocDISIReaderConfiguration docs,
        IndexInput data
    ) throws IOException {
        IndexInput slice = data.slice("rescore-values", offset, length);
        return new RescoreVectorValues(precision, similarity, bitScorers, dimension, size, slice, docs, data);
    }

    /**
     * Touches the records of {@code ords} (negative: skipped) before they are read one by one ({@link RecordTouch}): a
     * shortlist's records are cold (the rescoring values are not part of the hot data), 1,536 bytes each for 384 float
     * dims. No-op unless the values are memory-mapped.
     */
    void touch(int[] ords) throws IOException {
        if (slice instanceof RandomAccessInput in) {
            touched += RecordTouch.touch(in, recordBytes, ords, ords.length);
        }
    }

    @Override
    public int dimension() {
        return dimension;
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public float[] vectorValue(int ord) throws IOException {
        if (ord != lastOrd) {
            slice.seek((long) ord * recordBytes);
            precision.read(slice, scratch, value);
            lastOrd = ord;
        }
        return value;
    }

    @Override
    public RescoreVectorValues copy() throws IOException {
        return new RescoreVectorValues(precision, similarity, bitScorers, dimension, size, slice.clone(), docs, docsData);
    }

    @Override
    public int ordToDoc(int ord) {
        return ordToDoc == null ? ord : (int) ordToDoc.get(ord);
    }

    @Override
    public Bits getAcceptOrds(Bits acceptDocs) {
        if (acceptDocs == null || ordToDoc == null) {
            return acceptDocs;
        }
        return new Bits() {
            @Override
            public boolean get(int ord) {
                return acceptDocs.get(ordToDoc(ord));
            }

            @Override
            public int length() {
                return size;
            }
        };
    }

    @Override
    public DocIndexIterator iterator() {
        if (sparse == false) {
            return createDenseIterator();
        }
        try {
            return IndexedDISI.asDocIndexIterator(docs.getIndexedDISI(docsData));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Bit similarity of the query's sign bits and the docs' packed bits: the score the graph search gives. */
    @Override
    public VectorScorer scorer(float[] query) throws IOException {
        checkDimension(query);
        return size == 0 ? null : bitScorers.scorer(query);
    }

    /** The field's similarity of the query and the docs' full-precision values. */
    @Override
    public VectorScorer rescorer(float[] query) throws IOException {
        checkDimension(query);
        if (size == 0) {
            return null;
        }
        RescoreVectorValues values = copy();
        DocIndexIterator it = values.iterator();
        return new VectorScorer() {
            @Override
            public float score() throws IOException {
                return similarity.compare(query, values.vectorValue(it.index()));
            }

            @Override
            public DocIdSetIterator iterator() {
                return it;
            }
        };
    }

    private void checkDimension(float[] query) {
        if (query.length != dimension) {
            throw new IllegalArgumentException("vector query dimension: " + query.length + " differs from field dimension: " + dimension);
        }
    }
}
