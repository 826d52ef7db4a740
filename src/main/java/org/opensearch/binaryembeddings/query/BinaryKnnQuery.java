package org.opensearch.binaryembeddings.query;

import org.apache.lucene.index.FloatVectorValues;
import org.apache.lucene.index.KnnVectorValues;
import org.apache.lucene.index.LeafReader;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.search.AcceptDocs;
import org.apache.lucene.search.BooleanClause;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.DocIdSetIterator;
import org.apache.lucene.search.Explanation;
import org.apache.lucene.search.FieldExistsQuery;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.MatchNoDocsQuery;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.QueryVisitor;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.ScoreMode;
import org.apache.lucene.search.Scorer;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.search.TopKnnCollector;
import org.apache.lucene.search.Weight;
import org.apache.lucene.util.BitSet;
import org.apache.lucene.util.BitSetIterator;
import org.apache.lucene.util.Bits;
import org.apache.lucene.util.FixedBitSet;
import org.opensearch.binaryembeddings.mapper.BinaryEmbeddingSpec;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * The Lucene side of {@code binary_knn} on one shard. Rewriting runs both phases and leaves a {@link FixedScoresQuery}:
 * <ol>
 * <li>shortlist: per segment, the {@code shortlist} nearest documents by Hamming (or Jaccard) similarity of the sign
 * bits, from the HNSW graph searched with beam {@code max(shortlist, numCandidates)} and the filter applied during the
 * walk; exact when the segment or the filter is small enough that a scan is cheaper than the walk;</li>
 * <li>rescoring: the shard's best {@code shortlist} candidates are scored with the float query against the stored
 * full-precision values (the field's rescoring similarity), and the best {@code k} kept.</li>
 * </ol>
 */
final class BinaryKnnQuery extends Query {

    private final String field;
    private final BinaryEmbeddingSpec spec;
    private final float[] vector; // truncated + normalized float query, or null when only bits were given
    private final byte[] bits;
    private final int k;
    private final int shortlist;
    private final int numCandidates;
    private final boolean rescore;
    private final Query filter;
    private final Float minScore;

    BinaryKnnQuery(
        String field,
        BinaryEmbeddingSpec spec,
        float[] vector,
        byte[] bits,
        int k,
        int shortlist,
        int numCandidates,
        boolean rescore,
        Query filter,
        Float minScore
    ) {
        this.field = field;
        this.spec = spec;
        this.vector = vector;
        this.bits = bits;
        this.k = k;
        this.shortlist = Math.max(k, shortlist);
        this.numCandidates = numCandidates;
        this.rescore = rescore && vector != null && spec.hasRescoreValues();
        this.filter = filter;
        this.minScore = minScore;
    }

    /** One scored candidate: global doc, phase-1 bit similarity, final score. */
    record Hit(int doc, float bitScore, float score) {}

    @Override
    public Query rewrite(IndexSearcher searcher) throws IOException {
        Weight filterWeight = null;
        if (filter != null) {
            Query f = new BooleanQuery.Builder().add(filter, BooleanClause.Occur.FILTER)
                .add(new FieldExistsQuery(field), BooleanClause.Occur.FILTER)
                .build();
            filterWeight = searcher.createWeight(searcher.rewrite(f), ScoreMode.COMPLETE_NO_SCORES, 1f);
        }
        List<Hit> scored = new ArrayList<>();
        for (LeafReaderContext ctx : searcher.getIndexReader().leaves()) {
            scored.addAll(searchLeaf(ctx, filterWeight));
        }
        scored.sort(Comparator.comparingDouble((Hit h) -> -h.score()).thenComparingInt(Hit::doc));
        List<Hit> top = new ArrayList<>();
        for (Hit h : scored) {
            if (top.size() == k) {
                break;
            }
            if (minScore == null || h.score() >= minScore) {
                top.add(h);
            }
        }
        if (top.isEmpty()) {
            return new MatchNoDocsQuery("no binary_knn results");
        }
        int[] docs = new int[top.size()];
        float[] scores = new float[top.size()];
        for (int i = 0; i < docs.length; i++) {
            docs[i] = top.get(i).doc();
            scores[i] = top.get(i).score();
        }
        List<Hit> finalTop = top;
        return new FixedScoresQuery(searcher.getIndexReader().getContext(), docs, scores, (i, score) -> explain(finalTop.get(i), i), "binary_knn");
    }

    private Explanation explain(Hit hit, int rank) {
        float distance = spec.bitSimilarity() == BinaryEmbeddingSpec.BitSimilarity.HAMMING
            ? Math.round((1 - hit.bitScore()) * spec.binaryDims())
            : Float.NaN;
        Explanation phase1 = spec.bitSimilarity() == BinaryEmbeddingSpec.BitSimilarity.HAMMING
            ? Explanation.match(
                hit.bitScore(),
                String.format(Locale.ROOT, "hamming similarity 1 - %d/%d of the first %d sign bits", (int) distance, spec.binaryDims(), spec.binaryDims())
            )
            : Explanation.match(hit.bitScore(), "jaccard similarity of the first " + spec.binaryDims() + " sign bits");
        if (rescore == false) {
            return Explanation.match(hit.score(), "binary_knn score on [" + field + "]: bit similarity (no rescoring), rank " + (rank + 1), phase1);
        }
        return Explanation.match(
            hit.score(),
            "binary_knn score on [" + field + "]: " + describeRescoring() + " over " + spec.truncateTo() + " dims, rank " + (rank + 1),
            phase1
        );
    }

    private String describeRescoring() {
        return switch (spec.rescoreSimilarity()) {
            case COSINE -> "(1 + cosine) / 2";
            case DOT_PRODUCT -> "max(0, (1 + dot_product) / 2)";
            case L2 -> "1 / (1 + l2_distance²)";
        };
    }

    private List<Hit> searchLeaf(LeafReaderContext ctx, Weight filterWeight) throws IOException {
        LeafReader reader = ctx.reader();
        if (reader.getFieldInfos().fieldInfo(field) == null) {
            return List.of();
        }
        Bits live = reader.getLiveDocs();
        BitSet accepted = null;
        int cardinality = reader.maxDoc();
        if (filterWeight != null) {
            Scorer s = filterWeight.scorer(ctx);
            if (s == null) {
                return List.of();
            }
            accepted = BitSet.of(s.iterator(), reader.maxDoc());
            if (live != null) {
                FixedBitSet liveSet = new FixedBitSet(reader.maxDoc());
                for (int d = accepted.nextSetBit(0); d != DocIdSetIterator.NO_MORE_DOCS; d = d + 1 < reader.maxDoc() ? accepted.nextSetBit(d + 1) : DocIdSetIterator.NO_MORE_DOCS) {
                    if (live.get(d)) {
                        liveSet.set(d);
                    }
                }
                accepted = liveSet;
            }
            cardinality = accepted.cardinality();
            if (cardinality == 0) {
                return List.of();
            }
        }
        int beam = Math.max(shortlist, numCandidates);
        TopDocs found = null;
        // a walk visits at least ~beam nodes; when that many docs are all there is, scanning them is cheaper and exact
        if (cardinality > beam) {
            BitSet acceptedFinal = accepted;
            AcceptDocs acceptDocs = accepted == null
                ? AcceptDocs.fromLiveDocs(live, reader.maxDoc())
                : AcceptDocs.fromIteratorSupplier(() -> new BitSetIterator(acceptedFinal, acceptedFinal.cardinality()), null, reader.maxDoc());
            // with a filter, give up the walk once it has visited as many nodes as the filter matches (Lucene's rule)
            TopKnnCollector collector = new TopKnnCollector(beam, accepted == null ? Integer.MAX_VALUE : cardinality);
            LeafVectors.searchGraph(reader, field, spec, vector, bits, collector, acceptDocs);
            if (collector.earlyTerminated() == false) {
                found = collector.topDocs();
            }
        }
        List<Hit> hits = new ArrayList<>();
        if (found == null) {
            // exact: with rescoring values every accepted doc is rescored (there are at most about as many as a walk visits)
            int n = rescore ? cardinality : shortlist;
            hits = LeafVectors.exactBitScan(reader, field, spec, vector, bits, accepted != null ? accepted : live, accepted != null, n);
        } else {
            ScoreDoc[] sd = found.scoreDocs;
            Arrays.sort(sd, (a, b) -> a.score != b.score ? Float.compare(b.score, a.score) : Integer.compare(a.doc, b.doc));
            for (int i = 0; i < Math.min(shortlist, sd.length); i++) {
                hits.add(new Hit(sd[i].doc, sd[i].score, sd[i].score));
            }
        }
        if (rescore) {
            hits = rescoreLeaf(reader, hits);
        }
        List<Hit> global = new ArrayList<>(hits.size());
        for (Hit h : hits) {
            global.add(new Hit(h.doc() + ctx.docBase, h.bitScore(), h.score()));
        }
        return global;
    }

    /** Phase 2 on one segment: float query against the stored rescoring values of each candidate. */
    private List<Hit> rescoreLeaf(LeafReader reader, List<Hit> candidates) throws IOException {
        List<Hit> byDoc = new ArrayList<>(candidates);
        byDoc.sort(Comparator.comparingInt(Hit::doc));
        VectorSimilarityFunction sim = spec.rescoreSimilarity().lucene();
        FloatVectorValues values = reader.getFloatVectorValues(field);
        KnnVectorValues.DocIndexIterator it = values.iterator();
        List<Hit> out = new ArrayList<>(byDoc.size());
        for (Hit h : byDoc) {
            int doc = it.advance(h.doc());
            assert doc == h.doc();
            out.add(new Hit(h.doc(), h.bitScore(), sim.compare(vector, values.vectorValue(it.index()))));
        }
        return out;
    }

    @Override
    public void visit(QueryVisitor visitor) {
        if (visitor.acceptField(field)) {
            visitor.visitLeaf(this);
        }
    }

    @Override
    public String toString(String f) {
        return "binary_knn(" + field + ", k=" + k + ", shortlist=" + shortlist + ", num_candidates=" + numCandidates + ", rescore=" + rescore
            + (filter == null ? "" : ", filter=" + filter) + ")";
    }

    @Override
    public boolean equals(Object o) {
        if (sameClassAs(o) == false) {
            return false;
        }
        BinaryKnnQuery q = (BinaryKnnQuery) o;
        return field.equals(q.field) && Arrays.equals(vector, q.vector) && Arrays.equals(bits, q.bits) && k == q.k
            && shortlist == q.shortlist && numCandidates == q.numCandidates && rescore == q.rescore && Objects.equals(filter, q.filter)
            && Objects.equals(minScore, q.minScore) && spec.equals(q.spec);
    }

    @Override
    public int hashCode() {
        return Objects.hash(classHash(), field, Arrays.hashCode(vector), Arrays.hashCode(bits), k, shortlist, numCandidates, rescore, filter, minScore);
    }

    /** Unused by rewriting but required: the query never reaches a searcher un-rewritten. */
    @Override
    public Weight createWeight(IndexSearcher searcher, ScoreMode scoreMode, float boost) throws IOException {
        return searcher.rewrite(this).createWeight(searcher, scoreMode, boost);
    }
}
