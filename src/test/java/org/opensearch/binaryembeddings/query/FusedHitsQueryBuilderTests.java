package org.opensearch.binaryembeddings.query;

import org.apache.lucene.search.MatchNoDocsQuery;
import org.apache.lucene.search.Query;
import org.opensearch.binaryembeddings.BinaryEmbeddingsPlugin;
import org.opensearch.core.common.ParsingException;
import org.opensearch.index.query.MatchQueryBuilder;
import org.opensearch.index.query.QueryShardContext;
import org.opensearch.plugins.Plugin;
import org.opensearch.test.AbstractQueryTestCase;
import org.opensearch.test.TestGeoShapeFieldMapperPlugin;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.instanceOf;

/**
 * {@code binary_fused_hits}, what {@code binary_hybrid} becomes on the coordinating node, on OpenSearch's query-builder
 * harness: wire round trip, equality, the Lucene query on a shard (only this index's hits; none: matches nothing). It
 * cannot be sent in a request: parsing it is refused, which replaces the harness's parsing round trips.
 */
public class FusedHitsQueryBuilderTests extends AbstractQueryTestCase<FusedHitsQueryBuilder> {

    @Override
    protected Collection<Class<? extends Plugin>> getPlugins() {
        return List.of(BinaryEmbeddingsPlugin.class, TestGeoShapeFieldMapperPlugin.class);
    }

    @Override
    protected FusedHitsQueryBuilder doCreateTestQueryBuilder() {
        List<Fusion.Fused> hits = new ArrayList<>();
        int n = randomIntBetween(0, 20);
        float score = 10;
        for (int i = 0; i < n; i++) {
            String index = randomBoolean() ? getIndex().getName() : "other-" + randomAlphaOfLength(3);
            Float kw = randomBoolean() ? null : randomFloat() * 10;
            Float v = randomBoolean() ? null : randomFloat();
            score -= randomFloat();
            hits.add(new Fusion.Fused(index, "id" + i, score, kw, kw == null ? 0 : i + 1, v, v == null ? 0 : n - i, "linear", randomFloat(),
                randomFloat()));
        }
        return new FusedHitsQueryBuilder(hits, randomBoolean() ? null : new MatchQueryBuilder(TEXT_FIELD_NAME, randomAlphaOfLength(5)));
    }

    @Override
    protected void doAssertLuceneQuery(FusedHitsQueryBuilder builder, Query query, QueryShardContext context) {
        boolean anyHere = builder.toString().contains("\"_index\" : \"" + context.index().getName() + "\"");
        assertThat(query, instanceOf(anyHere ? FusedHitsQueryBuilder.ByIdQuery.class : MatchNoDocsQuery.class));
    }

    @Override
    public void testFromXContent() throws IOException {
        assertRefusedInRequests(createTestQueryBuilder().toString());
    }

    @Override
    public void testValidOutput() throws IOException {
        FusedHitsQueryBuilder q = createTestQueryBuilder();
        String json = q.toString();
        assertThat(json, containsString("\"binary_fused_hits\""));
        assertThat(json, containsString("\"hits\""));
        assertRefusedInRequests(json);
    }

    @Override
    public void testUnknownField() throws IOException {
        assertRefusedInRequests("{\"binary_fused_hits\":{\"bogusField\":1}}");
    }

    private void assertRefusedInRequests(String json) {
        ParsingException e = expectThrows(ParsingException.class, () -> parseQuery(json));
        assertThat(e.getMessage(), containsString("[binary_fused_hits] is produced by [binary_hybrid] and cannot be sent in a request"));
    }

    /** Inside a nested query the fused hits would be matched as child documents: refused, naming where to put the nested query. */
    public void testRefusedInsideNested() {
        QueryShardContext context = createShardContext();
        context.nestedScope().nextLevel(context.getObjectMapper(OBJECT_FIELD_NAME));
        IllegalArgumentException e = expectThrows(IllegalArgumentException.class, () -> createTestQueryBuilder().toQuery(context));
        assertThat(e.getMessage(), containsString("cannot run inside a [nested] query"));
    }
}
