package org.opensearch.binaryembeddings.query;

import org.opensearch.binaryembeddings.query.Fusion.Candidate;
import org.opensearch.binaryembeddings.query.Fusion.Fused;
import org.opensearch.test.OpenSearchTestCase;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

import static org.hamcrest.Matchers.containsString;

public class FusionTests extends OpenSearchTestCase {

    private static List<Candidate> sample() {
        return List.of(
            new Candidate("i", "a", 10f, 1, 0.90f),
            new Candidate("i", "b", 5f, 2, 0.95f),
            new Candidate("i", "c", null, 0, 0.80f),
            new Candidate("i", "d", 2f, 3, 0.60f)
        );
    }

    private static List<String> ids(List<Fused> fused) {
        return fused.stream().map(Fused::id).toList();
    }

    public void testRrfFollowsTheFormula() {
        Fusion rrf = Fusion.parse(Map.of("method", "rrf", "rank_constant", 10));
        List<Fused> out = rrf.fuse(sample());
        // vector ranks: b=1, a=2, c=3, d=4
        Map<String, Double> expected = Map.of("a", 1.0 / 11 + 1.0 / 12, "b", 1.0 / 12 + 1.0 / 11, "c", 1.0 / 13, "d", 1.0 / 13 + 1.0 / 14);
        for (Fused f : out) {
            assertEquals(f.id(), expected.get(f.id()), f.score(), 1e-6);
        }
        // a and b tie exactly: id order decides, and the second is made strictly smaller
        assertEquals(List.of("a", "b", "d", "c"), ids(out));
        assertTrue(out.get(0).score() > out.get(1).score());
    }

    public void testOrderDoesNotDependOnInputOrder() {
        for (Fusion f : List.of(Fusion.DEFAULT, Fusion.parse(Map.of("method", "rrf")), Fusion.parse(Map.of("method", "linear", "normalization", "min_max")))) {
            List<Candidate> shuffled = new ArrayList<>(sample());
            Collections.shuffle(shuffled, random());
            assertEquals(ids(f.fuse(sample())), ids(f.fuse(shuffled)));
            List<Fused> out = f.fuse(shuffled);
            for (int i = 1; i < out.size(); i++) {
                assertTrue(out.get(i - 1).score() > out.get(i).score());
            }
            assertTrue(out.get(out.size() - 1).score() >= Fusion.MIN_SCORE);
        }
    }

    public void testLinearBoundedAndMinMax() {
        Fusion bounded = Fusion.parse(Map.of("method", "linear", "normalization", "bounded", "weights", Map.of("keyword", 0.5, "vector", 0.5)));
        Fused a = bounded.fuse(sample()).stream().filter(f -> f.id().equals("a")).findFirst().orElseThrow();
        assertEquals(0.5 * 10 / 10 + 0.5 * 0.90 / 0.95, a.score(), 1e-6);
        Fusion minMax = Fusion.parse(Map.of("method", "linear", "normalization", "min_max", "weights", Map.of("keyword", 1, "vector", 0)));
        // c (no keyword score) and d (the lowest keyword score) both normalize to 0: the id decides
        assertEquals(List.of("a", "b", "c", "d"), ids(minMax.fuse(sample())));
    }

    public void testDefaultLetsKeywordMoveAtMostOneVectorSpread() {
        // vector scores far apart relative to their spread: keyword cannot reorder the clear winner
        List<Candidate> clear = List.of(new Candidate("i", "x", 1f, 2, 0.99f), new Candidate("i", "y", 100f, 1, 0.50f), new Candidate("i", "z", null, 0, 0.49f));
        assertEquals("x", Fusion.DEFAULT.fuse(clear).get(0).id());
        // near-tied vector scores: the keyword match decides
        List<Candidate> flat = List.of(new Candidate("i", "x", 1f, 2, 0.801f), new Candidate("i", "y", 100f, 1, 0.800f), new Candidate("i", "z", null, 0, 0.700f));
        assertEquals("y", Fusion.DEFAULT.fuse(flat).get(0).id());
    }

    public void testRerankKeepsKeywordCandidatesOrderedByVector() {
        List<Fused> out = Fusion.parse(Map.of("method", "rerank")).fuse(sample());
        assertEquals(List.of("b", "a", "d"), ids(out));
    }

    public void testBadParameters() {
        assertThat(expectThrows(IllegalArgumentException.class, () -> Fusion.parse(Map.of("method", "borda"))).getMessage(), containsString("[fusion.method]"));
        assertThat(expectThrows(IllegalArgumentException.class, () -> Fusion.parse(Map.of("weights", Map.of("keyword", -1)))).getMessage(), containsString("non-negative"));
        assertThat(expectThrows(IllegalArgumentException.class, () -> Fusion.parse(Map.of("method", "linear", "rank_constant", 5))).getMessage(), containsString("[fusion.rank_constant] only applies to method [rrf]"));
        assertThat(expectThrows(IllegalArgumentException.class, () -> Fusion.parse(Map.of("method", "rrf", "normalization", "min_max"))).getMessage(), containsString("[fusion.normalization] only applies"));
        assertThat(expectThrows(IllegalArgumentException.class, () -> Fusion.parse(Map.of("method", "rrf", "rank_constant", 0))).getMessage(), containsString("[fusion.rank_constant] must be at least 1"));
        assertThat(expectThrows(IllegalArgumentException.class, () -> Fusion.parse(Map.of("colour", 1))).getMessage(), containsString("unknown parameter [fusion.colour]"));
        assertThat(expectThrows(IllegalArgumentException.class, () -> Fusion.parse(Map.of("weights", Map.of("bm25", 1)))).getMessage(), containsString("[fusion.weights.bm25]"));
    }
}
