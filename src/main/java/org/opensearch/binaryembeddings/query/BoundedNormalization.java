package org.opensearch.binaryembeddings.query;

import org.opensearch.binaryembeddings.query.Fusion.Candidate;

import java.util.List;

/**
 * {@code bounded}: each score divided by the best of its list, using the theoretical lower bound 0 of both scores
 * (BM25 ≥ 0; the vector score maps the similarity into [0, 1]) — the "TM" normalization of Bruch et al. (TOIS 2023).
 */
final class BoundedNormalization implements ScoreNormalization {

    static final BoundedNormalization INSTANCE = new BoundedNormalization();

    private BoundedNormalization() {}

    @Override
    public String name() {
        return "bounded";
    }

    @Override
    public Normalizer prepare(List<Candidate> pool) {
        double kwMax = ScoreStats.keyword(pool).max(), vMax = ScoreStats.vector(pool).max();
        return new Normalizer() {
            @Override
            public double keyword(Candidate c) {
                return scale(c.keywordScore(), kwMax);
            }

            @Override
            public double vector(Candidate c) {
                return scale(c.vectorScore(), vMax);
            }
        };
    }

    private static double scale(Float s, double max) {
        return s == null ? 0 : max > 0 ? s / max : 0;
    }
}
