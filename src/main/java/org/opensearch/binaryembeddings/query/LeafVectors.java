package org.opensearch.binaryembeddings.query;

import org.apache.lucene.index.ByteVectorValues;
import org.apache.lucene.index.FloatVectorValues;
import org.apache.lucene.index.KnnVectorValues;
import org.apache.lucene.index.LeafReader;
import org.apache.lucene.search.AcceptDocs;
import org.apache.lucene.search.DocIdSetIterator;
import org.apache.lucene.search.KnnCollector;
import org.apache.lucene.util.Bits;
import org.opensearch.binaryembeddings.mapper.BinaryEmbeddingSpec;
import org.opensearch.binaryembeddings.mapper.VectorInput;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;

/** Phase-1 access to one segment's bits: the graph walk and the exact scan. */
final class LeafVectors {

    private LeafVectors() {}

    static void searchGraph(LeafReader reader, String field, BinaryEmbeddingSpec spec, float[] vector, byte[] bits, KnnCollector collector, AcceptDocs acceptDocs)
        throws IOException {
        if (spec.hasRescoreValues() == false) {
            reader.searchNearestVectors(field, bits, collector, acceptDocs);
        } else if (vector != null) {
            // the format binarizes the float query the same way it binarized the documents
            reader.searchNearestVectors(field, vector, collector, acceptDocs);
        } else {
            throw new UnsupportedOperationException("bits queries on fields with rescoring values need the binary codec reader");
        }
    }

    /**
     * Scores every accepted document by bit similarity and returns the best {@code n} (segment doc ids).
     *
     * @param accept   documents to consider (live docs or filter ∧ live docs); null = all
     * @param filtered true when {@code accept} is a filter set that already excludes deleted docs
     */
    static List<BinaryKnnQuery.Hit> exactBitScan(
        LeafReader reader,
        String field,
        BinaryEmbeddingSpec spec,
        float[] vector,
        byte[] bits,
        Bits accept,
        boolean filtered,
        int n
    ) throws IOException {
        PriorityQueue<BinaryKnnQuery.Hit> heap = new PriorityQueue<>(
            Comparator.comparingDouble(BinaryKnnQuery.Hit::bitScore).thenComparing(Comparator.comparingInt(BinaryKnnQuery.Hit::doc).reversed())
        );
        KnnVectorValues values = spec.hasRescoreValues() ? reader.getFloatVectorValues(field) : reader.getByteVectorValues(field);
        if (values == null) {
            return List.of();
        }
        KnnVectorValues.DocIndexIterator it = values.iterator();
        for (int doc = it.nextDoc(); doc != DocIdSetIterator.NO_MORE_DOCS; doc = it.nextDoc()) {
            if (accept != null && accept.get(doc) == false) {
                continue;
            }
            byte[] docBits = values instanceof ByteVectorValues b
                ? b.vectorValue(it.index())
                : VectorInput.signBits(((FloatVectorValues) values).vectorValue(it.index()), spec.binaryDims());
            float s = bitSimilarity(spec, bits, docBits);
            heap.add(new BinaryKnnQuery.Hit(doc, s, s));
            if (heap.size() > n) {
                heap.poll();
            }
        }
        return new ArrayList<>(heap);
    }

    static float bitSimilarity(BinaryEmbeddingSpec spec, byte[] a, byte[] b) {
        if (spec.bitSimilarity() == BinaryEmbeddingSpec.BitSimilarity.HAMMING) {
            int d = 0;
            for (int i = 0; i < a.length; i++) {
                d += Integer.bitCount((a[i] ^ b[i]) & 0xFF);
            }
            return 1f - (float) d / (a.length * 8);
        }
        int and = 0, or = 0;
        for (int i = 0; i < a.length; i++) {
            and += Integer.bitCount((a[i] & b[i]) & 0xFF);
            or += Integer.bitCount((a[i] | b[i]) & 0xFF);
        }
        return or == 0 ? 1f : (float) and / or;
    }
}
