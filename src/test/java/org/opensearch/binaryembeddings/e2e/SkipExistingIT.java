package org.opensearch.binaryembeddings.e2e;

import org.opensearch.binaryembeddings.testsupport.Vectors;
import org.opensearch.client.Request;
import org.opensearch.client.RequestOptions;
import org.opensearch.client.WarningsHandler;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@code skip_existing} on a real node: a document's text is embedded again exactly when it differs from the text
 * its stored vector was made from, whatever else an update changes; inference counts come from the models API.
 */
public class SkipExistingIT extends RealNodeTestCase {

    private static final String BGE = "/_plugins/_binary_embeddings/models/bge-small-en-v1.5-q";

    private static void createIndex(String index, boolean skipExisting) throws Exception {
        call("PUT", "/_ingest/pipeline/" + index + "-embed",
            "{\"processors\": [{\"local_embedding\": {\"field_map\": {\"text\": \"embedding\"}, \"skip_existing\": " + skipExisting + "}}]}");
        call("PUT", "/" + index, """
            { "settings": { "index.binary_embeddings": true, "default_pipeline": "%s-embed", "number_of_replicas": 0 },
              "mappings": { "properties": { "text": { "type": "text" }, "year": { "type": "integer" },
                "embedding": { "type": "binary_embedding", "dims": 384, "model": "bge-small-en-v1.5-q" } } } }""".formatted(index));
    }

    /**
     * {@code _update} through a default pipeline; OpenSearch 3.8 still runs it but answers the first one on a node with
     * a deprecation warning (pipelines on updates "will be removed"), which the test client would turn into a failure.
     */
    private static void update(String index, String id, String doc) throws Exception {
        Request r = new Request("POST", "/" + index + "/_update/" + id);
        r.setJsonEntity("{\"doc\": " + doc + "}");
        RequestOptions.Builder options = RequestOptions.DEFAULT.toBuilder();
        options.setWarningsHandler(WarningsHandler.PERMISSIVE);
        r.setOptions(options);
        client().performRequest(r);
    }

    @SuppressWarnings("unchecked")
    private static long embedded() throws Exception {
        assertBusy(() -> assertEquals("loaded", ((List<Map<String, Object>>) call("GET", BGE, null).get("models")).get(0).get("status")), 2, TimeUnit.MINUTES);
        Map<String, Object> m = ((List<Map<String, Object>>) call("GET", BGE, null).get("models")).get(0);
        return ((Number) ((Map<String, Object>) m.get("inference")).get("texts")).longValue();
    }

    @SuppressWarnings("unchecked")
    private static List<Object> vector(String index, String id) throws Exception {
        return (List<Object>) ((Map<String, Object>) call("GET", "/" + index + "/_doc/" + id, null).get("_source")).get("embedding");
    }

    @SuppressWarnings("unchecked")
    private static List<Object> embedPassage(String text) throws Exception {
        Map<String, Object> r = call("POST", BGE + "/_embed", "{\"texts\": [\"" + text + "\"]}");
        return ((List<List<Object>>) r.get("embeddings")).get(0);
    }

    public void testReembedsExactlyWhenTheTextChanges() throws Exception {
        createIndex("skip", true);
        String a = "Nerve cells pass electrical impulses along their long, thin fibres.";
        String b = "Glaciers carve U-shaped valleys as they grind slowly downhill.";
        call("PUT", "/skip/_doc/1", "{\"text\": \"" + a + "\", \"year\": 2000}");
        List<Object> first = vector("skip", "1");
        assertEquals(384, first.size());

        // updates of another field: no inference, the vector stays
        long before = embedded();
        for (int i = 1; i <= 5; i++) {
            update("skip", "1", "{\"year\": " + (2000 + i) + "}");
        }
        assertEquals(before, embedded());
        assertEquals(first, vector("skip", "1"));

        // an update of the text: embedded once, and the new vector is the new text's
        update("skip", "1", "{\"text\": \"" + b + "\"}");
        assertEquals(before + 1, embedded());
        List<Object> second = vector("skip", "1");
        assertNotEquals(first, second);
        assertEquals(1.0, Vectors.cosine(second, embedPassage(b)), 1e-3);
        long afterEmbed = embedded();

        // the whole document sent again with the same text and no vector: the stored vector is reused
        call("PUT", "/skip/_doc/1", "{\"text\": \"" + b + "\", \"year\": 1999}");
        assertEquals(afterEmbed, embedded());
        assertEquals(second, vector("skip", "1"));

        // sent again with another text: embedded
        call("PUT", "/skip/_doc/1", "{\"text\": \"" + a + "\"}");
        assertEquals(afterEmbed + 1, embedded());
        assertEquals(1.0, Vectors.cosine(vector("skip", "1"), first), 1e-3);

        // a vector the request brings itself is the caller's: kept, no inference
        List<Double> own = new ArrayList<>();
        for (int i = 0; i < 384; i++) {
            own.add(i % 2 == 0 ? 0.05 : -0.05);
        }
        call("PUT", "/skip/_doc/2", "{\"text\": \"" + a + "\", \"embedding\": " + own + "}");
        assertEquals(afterEmbed + 1, embedded());
        assertEquals(-0.05, ((Number) vector("skip", "2").get(1)).doubleValue(), 1e-9);
    }

    public void testWithoutSkipExistingEveryWriteEmbeds() throws Exception {
        createIndex("always", false);
        call("PUT", "/always/_doc/1", "{\"text\": \"Tides follow the moon.\", \"year\": 2000}");
        long before = embedded();
        update("always", "1", "{\"year\": 2001}");
        assertEquals(before + 1, embedded());
    }
}
