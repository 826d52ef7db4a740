package org.opensearch.binaryembeddings.query;

import org.opensearch.binaryembeddings.query.Fusion.Candidate;

import java.util.List;

/** {@code z_score}: both lists z-normalized over the pool (a missing keyword score counts as 0). */
final class ZScoreNormalization implements ScoreNormalization {

    static final ZScoreNormalization INSTANCE = new ZScoreNormalization();

    private ZScoreNormalization() {}

    @Override
    public String name() {
        return "z_score";
    }

    @Override
    public Normalizer prepare(List<Candidate> pool) {
        ScoreStats kw = ScoreStats.keywordMissingAsZero(pool), v = ScoreStats.vector(pool);
        return new Normalizer() {
            @Override
            public double keyword(Candidate c) {
                return kw.z(c.keywordScore() == null ? 0f : c.keywordScore());
            }

            @Override
            public double vector(Candidate c) {
                return c.vectorScore() == null ? 0 : v.z(c.vectorScore());
            }
        };
    }
}
