package org.opensearch.binaryembeddings.ingest;

import org.opensearch.OpenSearchParseException;
import org.opensearch.binaryembeddings.encoder.LoadedModelsTestCase;
import org.opensearch.binaryembeddings.testdata.Corpus;
import org.opensearch.ingest.IngestDocument;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.opensearch.binaryembeddings.encoder.TestModels.BGE;
import static org.opensearch.binaryembeddings.encoder.TestModels.MINILM;
import static org.opensearch.binaryembeddings.testsupport.Vectors.cosine;

/** {@code local_embedding} with {@code chunking}: windows by the model's own tokenizer, each chunk embedded. */
public class ChunkingTests extends LoadedModelsTestCase {

    private static LocalEmbeddingProcessor create(Map<String, Object> config) throws Exception {
        return new LocalEmbeddingProcessor.Factory(() -> service).create(Map.of(), "tag", null, new HashMap<>(config));
    }

    private static String configError(Map<String, Object> config) {
        return expectThrows(OpenSearchParseException.class, () -> create(config)).getMessage();
    }

    /** The project's passages one after another: about {@code words} words, the same in every run. */
    static String longText(int words) {
        StringBuilder sb = new StringBuilder();
        int n = 0;
        for (int i = 0; n < words; i++) {
            Corpus.Doc d = Corpus.sample().docs.get(i % Corpus.sample().docs.size());
            sb.append(d.content()).append("\n\n");
            n += d.content().split("\\s+").length;
        }
        return sb.toString();
    }

    public void testTokenSpansAreUtf16OffsetsOfTheWholeText() {
        String text = "Caf\u00e9 \uD83D\uDE00 na\u00efve tokenizers split words";
        int[] spans = service.tokenSpans(BGE, text);
        assertTrue(spans.length >= 12);
        for (int i = 0; i < spans.length; i += 2) {
            assertTrue(spans[i] < spans[i + 1] && spans[i + 1] <= text.length());
            if (i > 0) {
                assertTrue(spans[i] >= spans[i - 1]);
            }
        }
        // after a character outside the BMP (two UTF-16 units) the offsets still point at the words
        assertEquals("words", text.substring(spans[spans.length - 2], spans[spans.length - 1]));
        // untruncated: a text far over the model's 512 tokens has all its tokens
        String long_ = longText(2000);
        assertTrue(service.tokenSpans(BGE, long_).length / 2 > 2000);
    }

    public void testChunksCoverTheTextWithinTheTokenBudget() {
        String text = longText(3000);
        int[] spans = service.tokenSpans(BGE, text);
        int tokens = spans.length / 2;
        TextChunker chunker = new TextChunker(128, 16);
        List<TextChunker.Chunk> chunks = chunker.chunks(text, spans);
        assertTrue(chunks.size() > tokens / 128);
        assertEquals(spans[0], chunks.get(0).start());
        assertEquals(spans[spans.length - 1], chunks.get(chunks.size() - 1).end());
        int total = 0;
        for (int i = 0; i < chunks.size(); i++) {
            TextChunker.Chunk c = chunks.get(i);
            String chunkText = text.substring(c.start(), c.end());
            // re-tokenized alone, a chunk is what the model reads: never more than max_tokens
            int own = service.tokenSpans(BGE, chunkText).length / 2;
            assertTrue("chunk " + i + " has " + own + " tokens", own <= 128);
            assertTrue(c.tokens() <= 128);
            if (i > 0) {
                TextChunker.Chunk prev = chunks.get(i - 1);
                assertTrue("no gap between chunks " + (i - 1) + " and " + i, c.start() <= prev.end() || text.substring(prev.end(), c.start()).isBlank());
                assertTrue(c.start() > prev.start());
                // chunks start at a word: the character before is white space
                assertTrue(Character.isWhitespace(text.charAt(c.start() - 1)));
            }
            total += c.tokens();
        }
        // each chunk after the first re-reads at most overlap_tokens of the previous one
        assertTrue(total + " tokens in chunks, " + tokens + " in the text", total <= tokens + (chunks.size() - 1) * 16);
        assertTrue(total > tokens);

        // without overlap the chunks re-tokenize to exactly the text's tokens: what the stats-based cost test counts on
        int alone = 0;
        for (TextChunker.Chunk c : new TextChunker(256, 0).chunks(text, spans)) {
            alone += service.tokenSpans(BGE, text.substring(c.start(), c.end())).length / 2;
        }
        assertEquals(tokens, alone);
    }

    @SuppressWarnings("unchecked")
    public void testWritesChunkObjectsWithOffsetsAndVectors() throws Exception {
        LocalEmbeddingProcessor p = create(Map.of("field_map", Map.of("body", "chunks"), "chunking", Map.of("max_tokens", 64, "overlap_tokens", 8)));
        String body = longText(300);
        IngestDocument d = new IngestDocument("index", "1", null, null, null, new HashMap<>(Map.of("body", body)));
        p.execute(d);
        List<Map<String, Object>> chunks = d.getFieldValue("chunks", List.class);
        assertTrue(chunks.size() >= 5);
        for (Map<String, Object> c : chunks) {
            int start = (Integer) c.get("start"), end = (Integer) c.get("end");
            assertEquals(body.substring(start, end), c.get("text"));
            List<Float> v = (List<Float>) c.get("embedding");
            float[] f = new float[v.size()];
            for (int i = 0; i < f.length; i++) {
                f[i] = v.get(i);
            }
            // the chunk's vector is its own text's (batched with the others: int8 padding moves it slightly)
            assertEquals(1.0, cosine(f, service.encodePassages(BGE, List.of((String) c.get("text"))).get(0)), 0.02);
        }
        // a short text is one chunk: the whole text, its vector the unchunked one
        IngestDocument shortDoc = new IngestDocument("index", "2", null, null, null, new HashMap<>(Map.of("body", "Binary embeddings keep one bit per dimension.")));
        p.execute(shortDoc);
        List<Map<String, Object>> one = shortDoc.getFieldValue("chunks", List.class);
        assertEquals(1, one.size());
        assertEquals("Binary embeddings keep one bit per dimension.", one.get(0).get("text"));
        assertEquals(0, one.get(0).get("start"));
    }

    public void testTooManyChunksFailTheDocumentBeforeInference() throws Exception {
        LocalEmbeddingProcessor p = create(Map.of("field_map", Map.of("body", "chunks"), "chunking", Map.of("max_tokens", 16, "overlap_tokens", 0)));
        long before = service.stats(BGE).texts();
        IngestDocument d = new IngestDocument("index", "1", null, null, null, new HashMap<>(Map.of("body", longText(2500))));
        IllegalArgumentException e = expectThrows(IllegalArgumentException.class, () -> p.execute(d));
        assertTrue(e.getMessage(), e.getMessage().startsWith("field [body] makes "));
        assertTrue(e.getMessage(), e.getMessage().contains("more than the limit of 100 chunks per document (plugins.binary_embeddings.ingest.max_texts_per_field)"));
        assertEquals(before, service.stats(BGE).texts());
        // the cap is per document: two fields of 60 chunks each are 120
        LocalEmbeddingProcessor two = create(Map.of("field_map", Map.of("a", "a_chunks", "b", "b_chunks"), "chunking", Map.of("max_tokens", 16, "overlap_tokens", 0)));
        String sixty = longText(700);
        int each = new TextChunker(16, 0).chunks(sixty, service.tokenSpans(BGE, sixty)).size();
        assertTrue(each + " chunks", each > 50 && each <= 100);
        IngestDocument both = new IngestDocument("index", "3", null, null, null, new HashMap<>(Map.of("a", sixty, "b", sixty)));
        String message = expectThrows(IllegalArgumentException.class, () -> two.execute(both)).getMessage();
        assertTrue(message, message.contains("chunks of at most 16 tokens (" + (2 * each) + " with the document's other fields), more than the limit of 100"));
        assertEquals(before, service.stats(BGE).texts());
        // not a string: named
        IngestDocument list = new IngestDocument("index", "2", null, null, null, new HashMap<>(Map.of("body", List.of("a", "b"))));
        assertEquals(
            "field [body] must be a string to be chunked, not an array",
            expectThrows(IllegalArgumentException.class, () -> p.execute(list)).getMessage()
        );
    }

    public void testBadChunkingOptionsNameTheOption() {
        Map<String, Object> fm = Map.of("body", "chunks");
        assertEquals(
            "[chunking.max_tokens] must be between 16 and 510 (model [" + BGE + "] reads 512 tokens including its special tokens), got [600]",
            configError(Map.of("field_map", fm, "chunking", Map.of("max_tokens", 600)))
        );
        assertEquals(
            "[chunking.max_tokens] must be between 16 and 126 (model [" + MINILM + "] reads 128 tokens including its special tokens), got [256]",
            configError(Map.of("model", MINILM, "field_map", fm, "chunking", Map.of("max_tokens", 256)))
        );
        assertEquals(
            "[chunking.overlap_tokens] must be between 0 and half of max_tokens (64), got [65]",
            configError(Map.of("field_map", fm, "chunking", Map.of("max_tokens", 128, "overlap_tokens", 65)))
        );
        assertEquals(
            "[chunking] unknown option [size]; expected max_tokens, overlap_tokens",
            configError(Map.of("field_map", fm, "chunking", Map.of("size", 3)))
        );
        assertEquals("[chunking.max_tokens] must be an integer, got [lots]", configError(Map.of("field_map", fm, "chunking", Map.of("max_tokens", "lots"))));
        assertEquals("[chunking] property isn't a map, but of type [java.lang.String]", configError(Map.of("field_map", fm, "chunking", "yes")));
    }
}
