package org.opensearch.binaryembeddings.query;

import org.apache.lucene.index.IndexReaderContext;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.search.BooleanClause;
import org.apache.lucene.search.DocIdSetIterator;
import org.apache.lucene.search.Explanation;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.QueryVisitor;
import org.apache.lucene.search.ScoreMode;
import org.apache.lucene.search.Scorer;
import org.apache.lucene.search.ScorerSupplier;
import org.apache.lucene.search.Weight;

import java.io.IOException;
import java.util.Arrays;
import java.util.Objects;

/**
 * Matches a fixed set of documents of one reader with precomputed scores: what {@code binary_knn} and
 * {@code binary_hybrid} rewrite into once their candidates are scored, so they combine with any other query, filter,
 * aggregation or sort like an ordinary query.
 */
final class FixedScoresQuery extends Query {

    /** Says why a matched document has its score (for {@code explain}). */
    interface Explainer {
        Explanation explain(int index, float score);
    }

    private final int[] docs; // global doc ids, ascending
    private final float[] scores;
    private final int[] order; // index into the caller's arrays, for the explainer
    private final Explainer explainer;
    private final Object readerId;
    private final String description;
    private final Query highlight; // visited as a sub-query so that highlighters find its terms; null: none

    /**
     * @param docs   global doc ids (any order, no duplicates)
     * @param scores their scores
     */
    FixedScoresQuery(IndexReaderContext context, int[] docs, float[] scores, Explainer explainer, String description) {
        this(context, docs, scores, explainer, description, null);
    }

    FixedScoresQuery(IndexReaderContext context, int[] docs, float[] scores, Explainer explainer, String description, Query highlight) {
        Integer[] idx = new Integer[docs.length];
        for (int i = 0; i < idx.length; i++) {
            idx[i] = i;
        }
        Arrays.sort(idx, (a, b) -> Integer.compare(docs[a], docs[b]));
        this.docs = new int[docs.length];
        this.scores = new float[docs.length];
        this.order = new int[docs.length];
        for (int i = 0; i < idx.length; i++) {
            this.docs[i] = docs[idx[i]];
            this.scores[i] = scores[idx[i]];
            this.order[i] = idx[i];
        }
        this.explainer = explainer;
        this.readerId = context.id();
        this.description = description;
        this.highlight = highlight;
    }

    /** The matched global doc ids, ascending (a copy). */
    int[] docs() {
        return docs.clone();
    }

    /** Their scores, in the order of {@link #docs()} (a copy). */
    float[] scores() {
        return scores.clone();
    }

    @Override
    public Weight createWeight(IndexSearcher searcher, ScoreMode scoreMode, float boost) {
        if (searcher.getIndexReader().getContext().id() != readerId) {
            throw new IllegalStateException("a " + description + " query was rewritten for a different reader");
        }
        return new Weight(this) {
            @Override
            public Explanation explain(LeafReaderContext context, int doc) {
                int i = Arrays.binarySearch(docs, context.docBase + doc);
                if (i < 0) {
                    return Explanation.noMatch("not among the " + description + " results");
                }
                Explanation e = explainer.explain(order[i], scores[i]);
                return boost == 1f ? e : Explanation.match(scores[i] * boost, "boost " + boost + " ×", e);
            }

            @Override
            public ScorerSupplier scorerSupplier(LeafReaderContext context) {
                int lo = lowerBound(context.docBase);
                int hi = lowerBound(context.docBase + context.reader().maxDoc());
                if (lo == hi) {
                    return null;
                }
                Scorer scorer = new SegmentScorer(context.docBase, lo, hi, boost);
                return new ScorerSupplier() {
                    @Override
                    public Scorer get(long leadCost) {
                        return scorer;
                    }

                    @Override
                    public long cost() {
                        return hi - lo;
                    }
                };
            }

            @Override
            public boolean isCacheable(LeafReaderContext ctx) {
                return true;
            }
        };
    }

    private int lowerBound(int doc) {
        int i = Arrays.binarySearch(docs, doc);
        return i >= 0 ? i : -i - 1;
    }

    private final class SegmentScorer extends Scorer {
        private final int docBase, lo, hi;
        private final float boost;
        private int at;

        SegmentScorer(int docBase, int lo, int hi, float boost) {
            this.docBase = docBase;
            this.lo = lo;
            this.hi = hi;
            this.boost = boost;
            this.at = lo - 1;
        }

        @Override
        public int docID() {
            return at < lo ? -1 : at >= hi ? DocIdSetIterator.NO_MORE_DOCS : docs[at] - docBase;
        }

        @Override
        public float score() {
            return scores[at] * boost;
        }

        @Override
        public float getMaxScore(int upTo) {
            float max = 0;
            for (int i = Math.max(at, lo); i < hi && docs[i] - docBase <= upTo; i++) {
                max = Math.max(max, scores[i] * boost);
            }
            return max;
        }

        @Override
        public DocIdSetIterator iterator() {
            return new DocIdSetIterator() {
                @Override
                public int docID() {
                    return SegmentScorer.this.docID();
                }

                @Override
                public int nextDoc() {
                    at = Math.max(at + 1, lo);
                    return docID();
                }

                @Override
                public int advance(int target) {
                    at = Math.max(at, lo);
                    while (at < hi && docs[at] - docBase < target) {
                        at++;
                    }
                    return docID();
                }

                @Override
                public long cost() {
                    return hi - lo;
                }
            };
        }
    }

    @Override
    public void visit(QueryVisitor visitor) {
        visitor.visitLeaf(this);
        if (highlight != null) {
            highlight.visit(visitor.getSubVisitor(BooleanClause.Occur.SHOULD, this));
        }
    }

    @Override
    public String toString(String field) {
        return description + "[" + docs.length + " docs]";
    }

    @Override
    public boolean equals(Object o) {
        return sameClassAs(o)
            && readerId == ((FixedScoresQuery) o).readerId
            && Arrays.equals(docs, ((FixedScoresQuery) o).docs)
            && Arrays.equals(scores, ((FixedScoresQuery) o).scores);
    }

    @Override
    public int hashCode() {
        return Objects.hash(classHash(), Arrays.hashCode(docs), Arrays.hashCode(scores));
    }
}
