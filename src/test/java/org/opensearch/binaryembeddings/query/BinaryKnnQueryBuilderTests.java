package org.opensearch.binaryembeddings.query;

import org.apache.lucene.search.Query;
import org.opensearch.binaryembeddings.BinaryEmbeddingsPlugin;
import org.opensearch.common.compress.CompressedXContent;
import org.opensearch.common.settings.Settings;
import org.opensearch.core.common.ParsingException;
import org.opensearch.index.mapper.MapperService;
import org.opensearch.index.query.QueryShardContext;
import org.opensearch.index.query.TermQueryBuilder;
import org.opensearch.plugins.Plugin;
import org.opensearch.test.AbstractQueryTestCase;
import org.opensearch.test.TestGeoShapeFieldMapperPlugin;

import java.io.IOException;
import java.util.Collection;
import java.util.List;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.instanceOf;

/**
 * {@code binary_knn} on OpenSearch's query-builder test harness: random valid queries parsed back from their
 * (shuffled) XContent in every content type, sent over the wire, compared for equality and hash code, turned into the
 * Lucene query on a shard; unknown parameters and objects refused. Then the invalid cases, each by its message.
 */
public class BinaryKnnQueryBuilderTests extends AbstractQueryTestCase<BinaryKnnQueryBuilder> {

    static final String VEC = "vec";
    static final int DIMS = 8;
    /** Query text cannot become a Lucene query without the coordinating node's rewrite: only for the other tests. */
    private boolean allowQueryText = true;

    @Override
    protected Collection<Class<? extends Plugin>> getPlugins() {
        // the harness maps a geo_shape field: the test plugin stands in for the geo module
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
            new CompressedXContent("{\"properties\":{\"" + VEC + "\":{\"type\":\"binary_embedding\",\"dims\":" + DIMS + "}}}"),
            MapperService.MergeReason.MAPPING_UPDATE
        );
    }

    @Override
    protected BinaryKnnQueryBuilder doCreateTestQueryBuilder() {
        return randomKnn(allowQueryText).build();
    }

    /** A random valid binary_knn on {@link #VEC}. */
    static BinaryKnnQueryBuilder.Builder randomKnn(boolean allowQueryText) {
        BinaryKnnQueryBuilder.Builder b = BinaryKnnQueryBuilder.builder(null).field(VEC);
        switch (randomIntBetween(allowQueryText ? 0 : 1, 3)) {
            case 0 -> {
                b.queryText(randomAlphaOfLengthBetween(1, 20) + " " + randomUnicodeOfLengthBetween(0, 10));
                if (randomBoolean()) {
                    b.model(randomAlphaOfLengthBetween(1, 10));
                }
            }
            case 1 -> b.vector(randomVector());
            case 2 -> b.bits(randomBoolean() ? "a5" : "pQ==");
            default -> b.bits(List.of(randomIntBetween(-128, 127)));
        }
        int k = randomIntBetween(1, 200);
        b.k(k);
        if (randomBoolean()) {
            b.numCandidates(randomIntBetween(k, 10_000));
        }
        if (randomBoolean()) {
            b.oversample(1 + randomFloat() * 20);
        }
        b.rescore(randomBoolean());
        if (randomBoolean()) {
            b.filter(new TermQueryBuilder(TEXT_FIELD_NAME, randomAlphaOfLengthBetween(1, 10)));
        }
        if (randomBoolean()) {
            b.minScore(randomFloat());
        }
        if (randomBoolean()) {
            b.chunksPerParent(randomIntBetween(1, ParentDiversifiedKnnQuery.MAX_CHUNKS_PER_PARENT));
        }
        return b;
    }

    static float[] randomVector() {
        float[] v = new float[DIMS];
        for (int i = 0; i < DIMS; i++) {
            v[i] = (randomBoolean() ? 1 : -1) * (0.01f + randomFloat());
        }
        return v;
    }

    @Override
    public void testToQuery() throws IOException {
        allowQueryText = false;
        super.testToQuery();
    }

    @Override
    public void testMustRewrite() throws IOException {
        allowQueryText = false;
        super.testMustRewrite();
    }

    @Override
    public void testCacheability() throws IOException {
        allowQueryText = false;
        super.testCacheability();
    }

    @Override
    protected void doAssertLuceneQuery(BinaryKnnQueryBuilder builder, Query query, QueryShardContext context) {
        assertThat(query, instanceOf(BinaryKnnQuery.class));
        assertThat(query.toString(), containsString("binary_knn(" + VEC + ", k=" + builder.k() + ","));
    }

    /**
     * The default shortlist is resolved on the shard for the query's own k: every candidate of the beam and at least
     * k × 4, within k × max_oversample (40_limits.yml); a given oversample is used as given.
     */
    public void testDefaultShortlistRescoresTheBeam() throws IOException {
        assertShortlist(BinaryKnnQueryBuilder.builder(null).field(VEC).vector(randomVector()).k(10), 100, 100);
        assertShortlist(BinaryKnnQueryBuilder.builder(null).field(VEC).vector(randomVector()).k(10).numCandidates(250), 250, 250);
        // a narrow beam still rescores k × 4, walking as wide as the shortlist
        assertShortlist(BinaryKnnQueryBuilder.builder(null).field(VEC).vector(randomVector()).k(10).numCandidates(20), 40, 20);
        assertShortlist(BinaryKnnQueryBuilder.builder(null).field(VEC).vector(randomVector()).k(50), 200, 200);
        assertShortlist(BinaryKnnQueryBuilder.builder(null).field(VEC).vector(randomVector()).k(10).oversample(4f), 40, 100);
        assertShortlist(BinaryKnnQueryBuilder.builder(null).field(VEC).vector(randomVector()).k(10).oversample(2f).numCandidates(300), 20, 300);
    }

    private void assertShortlist(BinaryKnnQueryBuilder.Builder b, int shortlist, int numCandidates) throws IOException {
        Query q = b.build().toQuery(createShardContext());
        assertThat(q.toString(), containsString("shortlist=" + shortlist + ", num_candidates=" + numCandidates + ","));
    }

    /** Without the coordinating node's rewrite, query text reaches the shard unencoded: a 400, and no thread waits for a model. */
    public void testUnencodedQueryTextIsRefusedOnTheShard() {
        BinaryKnnQueryBuilder q = BinaryKnnQueryBuilder.builder(null).field(VEC).queryText("apple").model("m").build();
        IllegalArgumentException e = expectThrows(IllegalArgumentException.class, () -> q.toQuery(createShardContext()));
        assertThat(e.getMessage(), containsString("[query_text] reached the shard unencoded"));
        assertThat(e.getMessage(), containsString("send [vector] or [bits]"));
    }

    public void testFieldOfAnotherType() {
        BinaryKnnQueryBuilder q = BinaryKnnQueryBuilder.builder(null).field(TEXT_FIELD_NAME).vector(randomVector()).build();
        IllegalArgumentException e = expectThrows(IllegalArgumentException.class, () -> q.toQuery(createShardContext()));
        assertThat(e.getMessage(), containsString("[field] must name a [binary_embedding] field; [" + TEXT_FIELD_NAME + "] is of type [text]"));
    }

    public void testVectorOfWrongDims() {
        BinaryKnnQueryBuilder q = BinaryKnnQueryBuilder.builder(null).field(VEC).vector(new float[] { 1, 2, 3 }).build();
        IllegalArgumentException e = expectThrows(IllegalArgumentException.class, () -> q.toQuery(createShardContext()));
        assertThat(e.getMessage(), containsString("[vector] has 3 dims but field [vec] expects 8"));
    }

    /** Each bad value: a ParsingException naming the query and the parameter (the real-node bad-input matrix checks the 400). */
    public void testInvalidParameters() {
        String good = "'field':'vec','vector':[1,1,1,1,1,1,1,1]";
        assertInvalid("{'binary_knn':{" + good + ",'k':0}}", "[binary_knn] [k] must be between 1 and 10000");
        assertInvalid("{'binary_knn':{" + good + ",'k':'ten'}}", "[binary_knn] bad value for [k]: [k] must be an integer, got [ten]");
        assertInvalid("{'binary_knn':{" + good + ",'k':1.5}}", "bad value for [k]: [k] must be an integer, got [1.5]");
        assertInvalid("{'binary_knn':{" + good + ",'k':1e20}}", "bad value for [k]");
        assertInvalid("{'binary_knn':{" + good + ",'k':null}}", "bad value for [k]: [k] must be an integer, got VALUE_NULL");
        assertInvalid("{'binary_knn':{" + good + ",'k':[1]}}", "bad value for [k]");
        assertInvalid("{'binary_knn':{" + good + ",'oversample':'NaN'}}", "bad value for [oversample]");
        assertInvalid("{'binary_knn':{" + good + ",'oversample':0.5}}", "[oversample] must be between 1 and 100");
        assertInvalid("{'binary_knn':{" + good + ",'num_candidates':5}}", "[num_candidates] must be between [k] (10)");
        assertInvalid("{'binary_knn':{" + good + ",'min_score':-1}}", "[min_score] must be a non-negative number");
        assertInvalid("{'binary_knn':{" + good + ",'rescore':'maybe'}}", "bad value for [rescore]");
        assertInvalid("{'binary_knn':{" + good + ",'chunks_per_parent':101}}", "[binary_knn] [chunks_per_parent] must be between 1 and 100, got [101]");
        assertInvalid("{'binary_knn':{" + good + ",'chunks_per_parent':'two'}}", "bad value for [chunks_per_parent]: [chunks_per_parent] must be an integer");
        assertInvalid("{'binary_knn':{" + good + ",'filter':'abc'}}", "bad value for [filter]: [filter] must be a query object");
        assertInvalid("{'binary_knn':{" + good + ",'boost':{}}}", "bad value for [boost]");
        assertInvalid("{'binary_knn':{" + good + ",'colour':'red'}}", "[binary_knn] unknown parameter [colour]; expected one of field,");
        assertInvalid("{'binary_knn':{" + good + ",'model':'m'}}", "[model] only applies to [query_text]");
        assertInvalid("{'binary_knn':{" + good + ",'bits':'ff'}}", "exactly one of [query_text], [vector] or [bits] is required, got 2");
        assertInvalid("{'binary_knn':{'field':'vec'}}", "exactly one of [query_text], [vector] or [bits] is required, got none");
        assertInvalid("{'binary_knn':{'vector':[1]}}", "[binary_knn] [field] is required");
        assertInvalid("{'binary_knn':{'field':5,'vector':[1]}}", "bad value for [field]: [field] must be a string, got VALUE_NUMBER");
        assertInvalid("{'binary_knn':{'field':'vec','vector':'abc'}}", "bad value for [vector]: [vector] must be an array of numbers");
        assertInvalid("{'binary_knn':{'field':'vec','vector':['NaN']}}", "[vector] must be an array of numbers, got VALUE_STRING at position 0");
        assertInvalid("{'binary_knn':{'field':'vec','vector':[1e39]}}", "[vector] must hold finite numbers");
        assertInvalid("{'binary_knn':{'field':'vec','bits':[1e20]}}", "bad value for [bits]");
        assertInvalid("{'binary_knn':{'field':'vec','query_text':''}}", "[query_text] must not be empty");
        assertInvalid("{'binary_knn':{'field':'vec','query_text':42}}", "bad value for [query_text]");
        // a JSON syntax error names the parameter it is in
        assertInvalid("{'binary_knn':{" + good + ",'oversample':NaN}}", "[binary_knn] bad value for [oversample]: ");
    }

    /** Integers as OpenSearch reads its own: a string holding one is accepted, like in mappings. */
    public void testIntegerInAString() throws IOException {
        BinaryKnnQueryBuilder q = (BinaryKnnQueryBuilder) parseQuery(json("{'binary_knn':{'field':'vec','vector':[1,1,1,1,1,1,1,1],'k':'12'}}"));
        assertEquals(12, q.k());
    }

    static String json(String singleQuoted) {
        return singleQuoted.replace('\'', '"');
    }

    void assertInvalid(String query, String message) {
        ParsingException e = expectThrows(ParsingException.class, () -> parseQuery(json(query)));
        assertThat(query, e.getMessage(), containsString(message));
    }
}
