package org.opensearch.binaryembeddings.query;

import org.apache.lucene.search.Explanation;
import org.opensearch.binaryembeddings.common.ParamValues;
import org.opensearch.core.common.io.stream.StreamInput;
import org.opensearch.core.common.io.stream.StreamOutput;
import org.opensearch.core.common.io.stream.Writeable;
import org.opensearch.core.xcontent.ToXContentFragment;
import org.opensearch.core.xcontent.XContentBuilder;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * How {@code binary_hybrid} combines its keyword and vector candidates: a {@link FusionMethod} ({@code linear},
 * {@code rrf}, {@code rerank}) with its parameters, {@code linear} with a {@link ScoreNormalization} ({@code vector_z},
 * {@code bounded}, {@code min_max}, {@code z_score}). Fusion runs once, on the coordinating node, over the global
 * candidate lists, so its result does not depend on how the index is split into shards. This class holds what every
 * method shares: parsing, the wire, XContent, the tie-breaking and the shift that keeps fused scores positive.
 */
public record Fusion(FusionMethod method, double keywordWeight, double vectorWeight, ScoreNormalization normalization, int rankConstant)
    implements
        Writeable,
        ToXContentFragment {

    public static final int DEFAULT_RANK_CONSTANT = 60;
    /** Fused scores are shifted up, when needed, so the lowest candidate scores this. */
    public static final float MIN_SCORE = 0.001f;
    /**
     * The default: linear, {@code vector_z}, weights 1 and 1. Ranking by it equals ranking by
     * {@code vector + σ · keyword / max(keyword)}, with σ the standard deviation of the query's vector scores over the
     * vector search's top {@code window}: keyword evidence can move a document by at most one unit of the vector scores' own spread. Where
     * the vector scores separate the candidates clearly (a confident semantic match), keyword matches only break
     * near-ties; where the vector scores are flat (the model cannot tell the candidates apart), the keyword score
     * decides. Neither input can drown the other, whatever their raw scales, without a tuned weight.
     */
    public static final Fusion DEFAULT = new Fusion(LinearFusion.INSTANCE, 1, 1, VectorZNormalization.INSTANCE, DEFAULT_RANK_CONSTANT);

    private static final List<String> PARAMETERS = List.of("method", "weights", "normalization", "rank_constant");

    public Fusion {
        if (keywordWeight < 0 || vectorWeight < 0 || Double.isNaN(keywordWeight) || Double.isNaN(vectorWeight)) {
            throw new IllegalArgumentException("[fusion.weights] must be non-negative, got keyword=" + keywordWeight + ", vector=" + vectorWeight);
        }
        if (keywordWeight + vectorWeight == 0 && method.parameters().contains("weights")) {
            throw new IllegalArgumentException("[fusion.weights] must not both be 0");
        }
        if (rankConstant < 1) {
            throw new IllegalArgumentException("[fusion.rank_constant] must be at least 1, got [" + rankConstant + "]");
        }
    }

    /** A candidate: its key (index and id), keyword score and rank (null / 0 when not in that list), vector score. */
    public record Candidate(String index, String id, Float keywordScore, int keywordRank, Float vectorScore, boolean vectorListed) {
        /** A candidate that is in the vector list exactly when it has a vector score. */
        public Candidate(String index, String id, Float keywordScore, int keywordRank, Float vectorScore) {
            this(index, id, keywordScore, keywordRank, vectorScore, vectorScore != null);
        }
    }

    /**
     * A fused hit with the parts its score came from: {@code keywordPart + vectorPart} is the fused score before the
     * shift that keeps every score positive and strictly ordered.
     */
    public record Fused(String index, String id, float score, Float keywordScore, int keywordRank, Float vectorScore, int vectorRank, String how,
        float keywordPart, float vectorPart) {}

    /**
     * Fuses and returns the hits best first. Equal fused scores are ordered by index then id and then made strictly
     * decreasing, so the final merge of shard results cannot reorder them by shard.
     */
    public List<Fused> fuse(List<Candidate> candidates) {
        List<Candidate> pool = method.pool(candidates);
        Map<Candidate, Integer> vectorRanks = vectorRanks(pool);
        FusionMethod.CandidateScorer scorer = method.prepare(this, pool);
        List<Fused> out = new ArrayList<>(pool.size());
        for (Candidate c : pool) {
            int vRank = vectorRanks.getOrDefault(c, 0);
            FusionMethod.Parts parts = scorer.score(c, vRank);
            out.add(new Fused(c.index(), c.id(), (float) parts.score(), c.keywordScore(), c.keywordRank(), c.vectorScore(), vRank, parts.how(),
                (float) parts.keyword(), (float) parts.vector()));
        }
        out.sort(Comparator.comparingDouble((Fused f) -> -f.score()).thenComparing(Fused::index).thenComparing(Fused::id));
        // Lucene scores must be positive: shift (z-normalized scores can be negative) so the lowest is MIN_SCORE
        float lowest = out.isEmpty() ? MIN_SCORE : out.get(out.size() - 1).score();
        float shift = lowest < MIN_SCORE ? MIN_SCORE - lowest : 0f;
        List<Fused> strict = new ArrayList<>(out.size());
        float previous = Float.POSITIVE_INFINITY;
        for (Fused f : out) {
            float s = Math.min(f.score() + shift, Math.nextDown(previous));
            strict.add(new Fused(f.index(), f.id(), s, f.keywordScore(), f.keywordRank(), f.vectorScore(), f.vectorRank(), f.how(), f.keywordPart(), f.vectorPart()));
            previous = s;
        }
        return strict;
    }

    private static Map<Candidate, Integer> vectorRanks(List<Candidate> pool) {
        List<Candidate> ranked = new ArrayList<>(pool.stream().filter(c -> c.vectorScore() != null).toList());
        ranked.sort(Comparator.comparingDouble((Candidate c) -> -c.vectorScore()).thenComparing(Candidate::index).thenComparing(Candidate::id));
        Map<Candidate, Integer> ranks = new java.util.HashMap<>();
        for (int i = 0; i < ranked.size(); i++) {
            ranks.put(ranked.get(i), i + 1);
        }
        return ranks;
    }

    /** Parses the {@code fusion} object: the method by name, then the parameters it takes. */
    @SuppressWarnings("unchecked")
    public static Fusion parse(Map<String, Object> map) {
        for (String key : map.keySet()) {
            if (PARAMETERS.contains(key) == false) {
                throw new IllegalArgumentException("unknown parameter [fusion." + key + "]; expected " + String.join(", ", PARAMETERS));
            }
        }
        FusionMethod method = map.containsKey("method") ? FusionStrategies.method(String.valueOf(map.get("method"))) : DEFAULT.method;
        for (String parameter : List.of("rank_constant", "normalization", "weights")) {
            if (map.containsKey(parameter) && method.parameters().contains(parameter) == false) {
                List<String> takers = FusionStrategies.METHODS.stream().filter(m -> m.parameters().contains(parameter)).map(FusionMethod::name).toList();
                throw new IllegalArgumentException("[fusion." + parameter + "] " + (takers.size() == 1
                    ? "only applies to method [" + takers.get(0) + "]"
                    : "does not apply to method [" + method.name() + "]"));
            }
        }
        double kw = DEFAULT.keywordWeight, v = DEFAULT.vectorWeight;
        if (map.containsKey("weights")) {
            if (map.get("weights") instanceof Map<?, ?> == false) {
                throw new IllegalArgumentException("[fusion.weights] must be an object like {\"keyword\": 0.3, \"vector\": 0.7}");
            }
            Map<String, Object> w = (Map<String, Object>) map.get("weights");
            for (String key : w.keySet()) {
                if (key.equals("keyword") == false && key.equals("vector") == false) {
                    throw new IllegalArgumentException("unknown parameter [fusion.weights." + key + "]; expected keyword, vector");
                }
            }
            kw = w.containsKey("keyword") ? ParamValues.number("fusion.weights.keyword", w.get("keyword")) : kw;
            v = w.containsKey("vector") ? ParamValues.number("fusion.weights.vector", w.get("vector")) : v;
        }
        ScoreNormalization n = map.containsKey("normalization")
            ? FusionStrategies.normalization(String.valueOf(map.get("normalization")))
            : DEFAULT.normalization;
        int c = map.containsKey("rank_constant") ? ParamValues.integer("fusion.rank_constant", map.get("rank_constant")) : DEFAULT_RANK_CONSTANT;
        return new Fusion(method, kw, v, n, c);
    }

    public Fusion(StreamInput in) throws IOException {
        this(byPosition(FusionStrategies.METHODS, in.readVInt()), in.readDouble(), in.readDouble(), byPosition(FusionStrategies.NORMALIZATIONS, in.readVInt()),
            in.readVInt());
    }

    private static <T> T byPosition(List<T> all, int position) throws IOException {
        if (position < 0 || position >= all.size()) {
            throw new IOException("unknown fusion strategy #" + position + " (of " + all.size() + "): written by a newer node");
        }
        return all.get(position);
    }

    @Override
    public void writeTo(StreamOutput out) throws IOException {
        // positions, as the enums this replaced wrote their ordinals: the same bytes on the wire
        out.writeVInt(FusionStrategies.METHODS.indexOf(method));
        out.writeDouble(keywordWeight);
        out.writeDouble(vectorWeight);
        out.writeVInt(FusionStrategies.NORMALIZATIONS.indexOf(normalization));
        out.writeVInt(rankConstant);
    }

    @Override
    public XContentBuilder toXContent(XContentBuilder builder, Params params) throws IOException {
        builder.startObject("fusion").field("method", method.name());
        if (method.parameters().contains("weights")) {
            builder.startObject("weights").field("keyword", keywordWeight).field("vector", vectorWeight).endObject();
        }
        if (method.parameters().contains("normalization")) {
            builder.field("normalization", normalization.name());
        }
        if (method.parameters().contains("rank_constant")) {
            builder.field("rank_constant", rankConstant);
        }
        return builder.endObject();
    }

    static Explanation explain(Fused f) {
        // the details add up to the score: each list's contribution, then the shift fuse() applied (z-normalized
        // scores can be negative; Lucene scores cannot) — the raw scores are in the descriptions
        List<Explanation> parts = new ArrayList<>();
        parts.add(Explanation.match(f.keywordPart(), f.keywordScore() == null
            ? "keyword part: not in the keyword window"
            : "keyword part: keyword score " + f.keywordScore() + ", rank " + f.keywordRank()));
        parts.add(Explanation.match(f.vectorPart(), f.vectorScore() == null
            ? "vector part: no vector for this document"
            : "vector part: vector score (full precision) " + f.vectorScore() + ", rank " + f.vectorRank()));
        parts.add(Explanation.match(f.score() - f.keywordPart() - f.vectorPart(),
            "shift: the same for every hit of the query, so the lowest fused score is " + MIN_SCORE + " (and ties are broken by index and id)"));
        return Explanation.match(f.score(), "binary_hybrid " + f.how(), parts);
    }

}
