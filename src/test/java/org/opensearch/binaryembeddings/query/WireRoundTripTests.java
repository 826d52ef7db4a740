package org.opensearch.binaryembeddings.query;

import org.opensearch.Version;
import org.opensearch.binaryembeddings.BinaryEmbeddingsPlugin;
import org.opensearch.common.io.stream.BytesStreamOutput;
import org.opensearch.common.settings.Settings;
import org.opensearch.core.common.io.stream.NamedWriteableAwareStreamInput;
import org.opensearch.core.common.io.stream.NamedWriteableRegistry;
import org.opensearch.core.common.io.stream.StreamInput;
import org.opensearch.index.query.MatchQueryBuilder;
import org.opensearch.index.query.QueryBuilder;
import org.opensearch.index.query.TermQueryBuilder;
import org.opensearch.search.SearchModule;
import org.opensearch.search.rescore.RescorerBuilder;
import org.opensearch.test.OpenSearchTestCase;

import java.io.IOException;
import java.util.List;
import java.util.Map;

/**
 * What the coordinating node adds to the queries it sends to shards on other nodes survives the wire: the alias
 * filters folded into binary_knn, its chunks_per_parent, and the keyword part binary_hybrid's fused hits offer to highlighters. (On one node
 * a shard request is not serialized, so the real-node tests do not cover this.)
 */
public class WireRoundTripTests extends OpenSearchTestCase {

    private final NamedWriteableRegistry registry = new NamedWriteableRegistry(
        new SearchModule(Settings.EMPTY, List.of(new BinaryEmbeddingsPlugin())).getNamedWriteables()
    );

    public void testBinaryKnnKeepsAliasFilters() throws IOException {
        Map<String, QueryBuilder> aliasFilters = Map.of("tenants", new TermQueryBuilder("tenant", "b"), "other", new TermQueryBuilder("t", "c"));
        BinaryKnnQueryBuilder knn = knn().filter(new MatchQueryBuilder("text", "pie")).aliasFilters(aliasFilters).build();
        QueryBuilder back = roundTrip(knn, Version.CURRENT);
        assertEquals(knn, back);
        BinaryKnnQueryBuilder none = knn.withKAndFilter(5, null, null);
        assertEquals(none, roundTrip(none, Version.CURRENT));
        // null (not resolved yet) and empty (no filtering alias) stay distinct
        BinaryKnnQueryBuilder unresolved = knn().build();
        assertEquals(unresolved, roundTrip(unresolved, Version.CURRENT));
        assertNotEquals(unresolved, roundTrip(knn().aliasFilters(Map.of()).build(), Version.CURRENT));
        // a node that does not read alias filters is not sent them: the rest of the query still arrives
        assertEquals(knn().filter(new MatchQueryBuilder("text", "pie")).build(), roundTrip(knn, Version.V_3_7_0));
    }

    /** chunks_per_parent is version-gated like the alias filters, but never dropped: that would change the answer. */
    public void testChunksPerParentOnTheWire() throws IOException {
        BinaryKnnQueryBuilder knn = knn().chunksPerParent(3).build();
        assertEquals(knn, roundTrip(knn, Version.CURRENT));
        assertNotEquals(knn().build(), roundTrip(knn, Version.CURRENT));
        // the default needs no field: an older node gets the rest of the query
        assertEquals(knn().build(), roundTrip(knn().build(), Version.V_3_7_0));
        IllegalArgumentException e = expectThrows(IllegalArgumentException.class, () -> roundTrip(knn, Version.V_3_7_0));
        assertTrue(e.getMessage(), e.getMessage().contains("[binary_knn] [chunks_per_parent] needs every node on version 3.8.0 or later"));
    }

    /** Without oversample the default travels unresolved; an older node, which resolves none, gets k × 4. */
    public void testDefaultOversampleOnTheWire() throws IOException {
        BinaryKnnQueryBuilder unset = knn().oversample(null).build();
        assertEquals(unset, roundTrip(unset, Version.CURRENT));
        assertEquals(knn().build(), roundTrip(unset, Version.V_3_7_0));
        assertEquals(knn().oversample(7f).build(), roundTrip(knn().oversample(7f).build(), Version.V_3_7_0));
    }

    private static BinaryKnnQueryBuilder.Builder knn() {
        return BinaryKnnQueryBuilder.builder(null).field("vec").vector(new float[] { 1, -1, 1, -1, 1, -1, 1, -1 }).oversample(4f);
    }

    public void testFusedHitsKeepTheirPartsAndKeyword() throws IOException {
        List<Fusion.Fused> hits = List.of(
            new Fusion.Fused("i", "1", 2.5f, 7f, 1, 0.9f, 2, "linear", 1f, 1.2f),
            new Fusion.Fused("i", "2", 0.001f, null, 0, 0.5f, 1, "linear", 0f, -0.4f)
        );
        FusedHitsQueryBuilder fused = new FusedHitsQueryBuilder(hits, new MatchQueryBuilder("text", "apple"));
        // equality covers every field of every hit (and the keyword query)
        assertEquals(fused, roundTrip(fused, Version.CURRENT));
        assertNotEquals(fused, roundTrip(new FusedHitsQueryBuilder(hits.subList(0, 1), new MatchQueryBuilder("text", "apple")), Version.CURRENT));
    }

    public void testVectorScoresRescorerKeepsItsCutFromThisVersionOn() throws IOException {
        VectorScoresRescorerBuilder cut = new VectorScoresRescorerBuilder(knn().build(), 100).windowSize(200);
        assertEquals(cut, roundTripRescorer(cut, Version.CURRENT));
        assertEquals(100, roundTripRescorer(cut, Version.CURRENT).cut());
        // an older node neither sends nor reads the cut: its shards return the whole window, as it expects
        VectorScoresRescorerBuilder old = roundTripRescorer(cut, Version.V_3_7_0);
        assertEquals(0, old.cut());
        assertEquals(new VectorScoresRescorerBuilder(knn().build(), 0).windowSize(200), old);
        // the vector list a one-shard search asks for: kept from this version on, dropped for an older node (whose
        // hits then carry no vector ranks, and binary_hybrid runs the vector search)
        VectorScoresRescorerBuilder both = new VectorScoresRescorerBuilder(knn().build(), 100, 100).windowSize(200);
        assertEquals(both, roundTripRescorer(both, Version.CURRENT));
        assertEquals(100, roundTripRescorer(both, Version.CURRENT).vectorList());
        assertNotEquals(cut, both);
        assertEquals(0, roundTripRescorer(both, Version.V_3_7_0).vectorList());
    }

    private VectorScoresRescorerBuilder roundTripRescorer(VectorScoresRescorerBuilder rescorer, Version version) throws IOException {
        try (BytesStreamOutput out = new BytesStreamOutput()) {
            out.setVersion(version);
            out.writeNamedWriteable(rescorer);
            try (StreamInput in = new NamedWriteableAwareStreamInput(out.bytes().streamInput(), registry)) {
                in.setVersion(version);
                return (VectorScoresRescorerBuilder) in.readNamedWriteable(RescorerBuilder.class);
            }
        }
    }

    private QueryBuilder roundTrip(QueryBuilder query, Version version) throws IOException {
        try (BytesStreamOutput out = new BytesStreamOutput()) {
            out.setVersion(version);
            out.writeNamedWriteable(query);
            try (StreamInput in = new NamedWriteableAwareStreamInput(out.bytes().streamInput(), registry)) {
                in.setVersion(version);
                return in.readNamedWriteable(QueryBuilder.class);
            }
        }
    }
}
