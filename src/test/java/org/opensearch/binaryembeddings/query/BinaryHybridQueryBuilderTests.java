package org.opensearch.binaryembeddings.query;

import org.apache.lucene.search.Query;
import org.opensearch.binaryembeddings.BinaryEmbeddingsPlugin;
import org.opensearch.common.compress.CompressedXContent;
import org.opensearch.common.settings.Settings;
import org.opensearch.core.common.ParsingException;
import org.opensearch.index.mapper.MapperService;
import org.opensearch.index.query.MatchQueryBuilder;
import org.opensearch.index.query.QueryBuilder;
import org.opensearch.index.query.QueryShardContext;
import org.opensearch.index.query.TermQueryBuilder;
import org.opensearch.plugins.Plugin;
import org.opensearch.test.AbstractQueryTestCase;
import org.opensearch.test.TestGeoShapeFieldMapperPlugin;

import java.io.IOException;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.hamcrest.Matchers.containsString;

/**
 * {@code binary_hybrid} on OpenSearch's query-builder test harness (parsing, round trips, wire, equality), and its
 * invalid cases. It never becomes a Lucene query itself: the coordinating node's rewrite turns it into
 * {@link FusedHitsQueryBuilder} (tested there and end to end), so the shard-side tests check that it refuses to run
 * unrewritten.
 */
public class BinaryHybridQueryBuilderTests extends AbstractQueryTestCase<BinaryHybridQueryBuilder> {

    @Override
    protected Collection<Class<? extends Plugin>> getPlugins() {
        return List.of(BinaryEmbeddingsPlugin.class, TestGeoShapeFieldMapperPlugin.class);
    }

    @Override
    protected Settings createTestIndexSettings() {
        return Settings.builder().put(super.createTestIndexSettings()).put("index.binary_embeddings", true).build();
    }

    @Override
    protected void initializeAdditionalMappings(MapperService mapperService) throws IOException {
        mapperService.merge(
            "_doc",
            new CompressedXContent("{\"properties\":{\"vec\":{\"type\":\"binary_embedding\",\"dims\":8}}}"),
            MapperService.MergeReason.MAPPING_UPDATE
        );
    }

    @Override
    protected BinaryHybridQueryBuilder doCreateTestQueryBuilder() {
        BinaryKnnQueryBuilder vector = BinaryKnnQueryBuilderTests.randomKnn(true).build();
        QueryBuilder keyword = randomBoolean()
            ? new MatchQueryBuilder(TEXT_FIELD_NAME, randomAlphaOfLengthBetween(1, 10))
            : new TermQueryBuilder(KEYWORD_FIELD_NAME, randomAlphaOfLengthBetween(1, 10));
        BinaryHybridQueryBuilder.Builder b = BinaryHybridQueryBuilder.builder(null).keyword(keyword).vector(vector).fusion(randomFusion());
        if (randomBoolean()) {
            b.window(randomIntBetween(vector.k(), 10_000));
        } else if (vector.k() > BinaryHybridQueryBuilder.DEFAULT_WINDOW) {
            b.window(vector.k());
        }
        return b.build();
    }

    /** A random valid fusion, as a user writes it. */
    static Fusion randomFusion() {
        Map<String, Object> map = new HashMap<>();
        String method = randomFrom("linear", "rrf", "rerank");
        if (method.equals("linear") == false || randomBoolean()) {
            map.put("method", method);
        }
        if (method.equals("rerank") == false && randomBoolean()) {
            map.put("weights", Map.of("keyword", randomDoubleBetween(0, 2, true), "vector", randomDoubleBetween(0.01, 2, true)));
        }
        if (method.equals("linear") && randomBoolean()) {
            map.put("normalization", randomFrom("bounded", "min_max", "z_score", "vector_z"));
        }
        if (method.equals("rrf") && randomBoolean()) {
            map.put("rank_constant", randomIntBetween(1, 1000));
        }
        return Fusion.parse(map);
    }

    @Override
    protected void doAssertLuceneQuery(BinaryHybridQueryBuilder builder, Query query, QueryShardContext context) {
        fail("binary_hybrid never becomes a Lucene query without its rewrite into fused hits");
    }

    @Override
    public void testToQuery() {
        assertRefusedUnrewritten();
    }

    @Override
    public void testMustRewrite() {
        assertRefusedUnrewritten();
    }

    @Override
    public void testCacheability() {
        assertRefusedUnrewritten();
    }

    private void assertRefusedUnrewritten() {
        BinaryHybridQueryBuilder q = createTestQueryBuilder();
        IllegalStateException e = expectThrows(IllegalStateException.class, () -> q.toQuery(createShardContext()));
        assertThat(e.getMessage(), containsString("[binary_hybrid] must be rewritten (fused) before it runs on a shard"));
    }

    public void testInvalidParameters() {
        String kw = "'keyword':{'match':{'text':'apple'}}";
        String v = "'vector':{'field':'vec','vector':[1,1,1,1,1,1,1,1]}";
        assertInvalid("{'binary_hybrid':{" + kw + "," + v + ",'window':0}}", "[binary_hybrid] [window] must be between 1 and 10000");
        assertInvalid("{'binary_hybrid':{" + kw + "," + v + ",'window':'big'}}", "[binary_hybrid] bad value for [window]: [window] must be an integer");
        assertInvalid("{'binary_hybrid':{" + kw + ",'vector':{'field':'vec','vector':[1,1,1,1,1,1,1,1],'k':50},'window':20}}",
            "[window] (20) must not be below [vector.k] (50)");
        assertInvalid("{'binary_hybrid':{" + v + "}}", "[binary_hybrid] [keyword] is required");
        assertInvalid("{'binary_hybrid':{'keyword':'apple'," + v + "}}", "bad value for [keyword]: [keyword] must be a query object");
        assertInvalid("{'binary_hybrid':{" + kw + "}}", "[binary_hybrid] [vector] is required");
        assertInvalid("{'binary_hybrid':{" + kw + ",'vector':'vec'}}", "bad value for [vector]: [vector] must be an object");
        // errors inside the vector object name it
        assertInvalid("{'binary_hybrid':{" + kw + ",'vector':{'field':'vec','vector':[1,1,1,1,1,1,1,1],'k':0}}}",
            "[binary_hybrid.vector] [k] must be between 1 and");
        assertInvalid("{'binary_hybrid':{" + kw + ",'vector':{'field':'vec','vector':[1,1,1,1,1,1,1,1],'k':'x'}}}",
            "[binary_hybrid.vector] bad value for [k]");
        assertInvalid("{'binary_hybrid':{" + kw + ",'vector':{'field':'vec','vector':[1,1,1,1,1,1,1,1],'colour':1}}}",
            "[binary_hybrid.vector] unknown parameter [colour]");
        assertInvalid("{'binary_hybrid':{" + kw + "," + v + ",'fusion':'rrf'}}", "bad value for [fusion]: [fusion] must be an object");
        assertInvalid("{'binary_hybrid':{" + kw + "," + v + ",'fusion':{'method':'borda'}}}",
            "[fusion.method] must be one of [linear, rrf, rerank], got [borda]");
        assertInvalid("{'binary_hybrid':{" + kw + "," + v + ",'fusion':{'colour':1}}}", "unknown parameter [fusion.colour]");
        assertInvalid("{'binary_hybrid':{" + kw + "," + v + ",'fusion':{'weights':{'keyword':'NaN'}}}}", "[fusion.weights.keyword]");
        assertInvalid("{'binary_hybrid':{" + kw + "," + v + ",'fusion':{'weights':{'keyword':-1}}}}", "[fusion.weights] must be non-negative");
        assertInvalid("{'binary_hybrid':{" + kw + "," + v + ",'fusion':{'method':'rrf','rank_constant':0}}}", "[fusion.rank_constant]");
        assertInvalid("{'binary_hybrid':{" + kw + "," + v + ",'fusion':{'method':'linear','rank_constant':10}}}",
            "[fusion.rank_constant] only applies to method [rrf]");
        assertInvalid("{'binary_hybrid':{" + kw + "," + v + ",'fusion':{'normalization':'l2'}}}", "[fusion.normalization] must be one of");
        assertInvalid("{'binary_hybrid':{" + kw + "," + v + ",'colour':1}}", "[binary_hybrid] unknown parameter [colour]; expected one of keyword,");
        assertInvalid("{'binary_hybrid':{" + kw + "," + v + ",'boost':'x'}}", "bad value for [boost]");
        assertInvalid("{'binary_hybrid':{" + kw + "," + v + ",'_name':{}}}", "bad value for [_name]");
    }

    void assertInvalid(String query, String message) {
        ParsingException e = expectThrows(ParsingException.class, () -> parseQuery(BinaryKnnQueryBuilderTests.json(query)));
        assertThat(query, e.getMessage(), containsString(message));
    }
}
