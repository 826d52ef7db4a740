package org.opensearch.binaryembeddings.query;

import org.opensearch.binaryembeddings.query.Fusion.Candidate;

import java.util.List;
import java.util.Set;

/** {@code rerank}: the keyword candidates only, ordered by their vector score. */
final class RerankFusion implements FusionMethod {

    static final RerankFusion INSTANCE = new RerankFusion();

    private RerankFusion() {}

    @Override
    public String name() {
        return "rerank";
    }

    @Override
    public Set<String> parameters() {
        return Set.of();
    }

    @Override
    public boolean needsVectorList() {
        return false;
    }

    @Override
    public List<Candidate> pool(List<Candidate> candidates) {
        return candidates.stream().filter(c -> c.keywordScore() != null && c.vectorScore() != null).toList();
    }

    @Override
    public CandidateScorer prepare(Fusion fusion, List<Candidate> pool) {
        return (c, vRank) -> new Parts(0, c.vectorScore(), c.vectorScore(), "rerank: vector score of a keyword candidate");
    }
}
