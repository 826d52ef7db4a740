package org.opensearch.binaryembeddings.query;

import org.opensearch.binaryembeddings.BinaryEmbeddingsPlugin;
import org.opensearch.common.io.stream.BytesStreamOutput;
import org.opensearch.common.settings.Settings;
import org.opensearch.common.xcontent.json.JsonXContent;
import org.opensearch.core.common.ParsingException;
import org.opensearch.core.common.io.stream.NamedWriteableAwareStreamInput;
import org.opensearch.core.common.io.stream.NamedWriteableRegistry;
import org.opensearch.core.common.io.stream.StreamInput;
import org.opensearch.core.xcontent.ToXContent;
import org.opensearch.core.xcontent.XContentBuilder;
import org.opensearch.core.xcontent.XContentParser;
import org.opensearch.index.query.QueryBuilder;
import org.opensearch.search.SearchModule;
import org.opensearch.test.OpenSearchTestCase;

import java.io.IOException;
import java.util.List;

/** binary_knn's {@code chunks_per_parent}: parsed, validated, printed and sent to other nodes. */
public class ChunksPerParentTests extends OpenSearchTestCase {

    private final NamedWriteableRegistry registry = new NamedWriteableRegistry(
        new SearchModule(Settings.EMPTY, List.of(new BinaryEmbeddingsPlugin())).getNamedWriteables()
    );

    private BinaryKnnQueryBuilder parse(String json) throws IOException {
        try (XContentParser parser = createParser(JsonXContent.jsonXContent, json)) {
            parser.nextToken();
            return BinaryKnnQueryBuilder.fromXContent(parser, null);
        }
    }

    public void testParsedPrintedAndSerialized() throws IOException {
        BinaryKnnQueryBuilder knn = parse("{\"field\": \"chunks.vec\", \"vector\": [1, -1, 1, -1], \"k\": 3, \"chunks_per_parent\": 4}");
        assertNotEquals(knn, parse("{\"field\": \"chunks.vec\", \"vector\": [1, -1, 1, -1], \"k\": 3}"));
        try (BytesStreamOutput out = new BytesStreamOutput()) {
            out.writeNamedWriteable(knn);
            try (StreamInput in = new NamedWriteableAwareStreamInput(out.bytes().streamInput(), registry)) {
                assertEquals(knn, in.readNamedWriteable(QueryBuilder.class));
            }
        }
        XContentBuilder b = JsonXContent.contentBuilder();
        knn.innerXContent(b, ToXContent.EMPTY_PARAMS);
        String printed = b.toString();
        assertTrue(printed, printed.contains("\"chunks_per_parent\":4"));
        assertEquals(knn, parse(printed));
    }

    public void testOutOfRangeIsA400NamingIt() {
        ParsingException e = expectThrows(
            ParsingException.class,
            () -> parse("{\"field\": \"chunks.vec\", \"vector\": [1, -1, 1, -1], \"chunks_per_parent\": 0}")
        );
        assertEquals("[binary_knn] [chunks_per_parent] must be between 1 and 100, got [0]", e.getMessage());
    }
}
