package org.opensearch.binaryembeddings.ingest;

import org.opensearch.binaryembeddings.encoder.EncoderService;
import org.opensearch.binaryembeddings.encoder.EncoderSettings;
import org.opensearch.binaryembeddings.encoder.ModelInfo;
import org.opensearch.action.get.MultiGetItemResponse;
import org.opensearch.action.get.MultiGetRequest;
import org.opensearch.action.get.MultiGetResponse;
import org.opensearch.action.support.PlainActionFuture;
import org.opensearch.search.fetch.subphase.FetchSourceContext;
import org.opensearch.transport.client.Client;
import org.opensearch.core.action.ActionListener;
import org.opensearch.ingest.AbstractBatchingProcessor;
import org.opensearch.ingest.IngestDocument;
import org.opensearch.ingest.IngestDocumentWrapper;
import org.opensearch.ingest.Processor;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Supplier;

import static org.opensearch.ingest.ConfigurationUtils.newConfigurationException;
import static org.opensearch.ingest.ConfigurationUtils.readBooleanProperty;
import static org.opensearch.ingest.ConfigurationUtils.readIntProperty;
import static org.opensearch.ingest.ConfigurationUtils.readMap;
import static org.opensearch.ingest.ConfigurationUtils.readOptionalMap;
import static org.opensearch.ingest.ConfigurationUtils.readOptionalStringProperty;

/**
 * The {@code local_embedding} ingest processor: embeds text fields with a model of the node's local encoder and
 * writes each vector as an array of floats.
 *
 * <pre>
 * { "local_embedding": {
 *     "model": "bge-small-en-v1.5-q",          optional, default: plugins.binary_embeddings.default_model
 *     "field_map": { "text": "embedding" },    source field → target field; dotted paths reach into objects
 *     "batch_size": 32,                        documents per encoder call (model runs: inference.max_batch_size)
 *     "skip_existing": false,                  reuse the stored vector when the stored text equals the new one (no inference)
 *     "ignore_missing": false,                 a missing/null source (or an empty array) is skipped, not an error
 *     "chunking": { "max_tokens": 256, "overlap_tokens": 32 }   optional: embed overlapping windows of long texts
 * } }
 * </pre>
 *
 * A source holding a string gives one vector (passage prefix applied); an array of strings gives an array of vectors,
 * one per element, in order (at most {@code plugins.binary_embeddings.ingest.max_texts_per_field}, checked before any
 * inference). A non-string value, a blank text, a text with no content token (only characters the tokenizer drops),
 * or a missing field (unless {@code ignore_missing}) fails that document only, naming the field; the others of the bulk are indexed. Text longer than the model's
 * {@code max_tokens} is truncated by the tokenizer, never an error. The usual {@code if}, {@code tag},
 * {@code description}, {@code ignore_failure} and {@code on_failure} apply.
 * <p>
 * With {@code chunking}, a source string is cut into windows by the model's tokenizer ({@link TextChunker}) and the
 * target gets an array of objects {@code {text, start, end, embedding}}, one per window (for a {@code nested} mapping);
 * all the windows of one document count against {@code max_texts_per_field}, checked before any inference.
 */
public final class LocalEmbeddingProcessor extends AbstractBatchingProcessor {

    public static final String TYPE = "local_embedding";
    public static final int DEFAULT_BATCH_SIZE = 32;
    public static final int MAX_BATCH_SIZE = 1024;

    /** The keys of each object a chunked target holds. */
    public static final String CHUNK_TEXT = "text", CHUNK_START = "start", CHUNK_END = "end", CHUNK_EMBEDDING = "embedding";
    /** {@code chunking.max_tokens} when not given (capped by what the model reads), and the overlap's share of it. */
    public static final int DEFAULT_CHUNK_TOKENS = 256;
    public static final int DEFAULT_OVERLAP_DIVISOR = 8;
    /** Fewer tokens per chunk would embed fragments, not passages. */
    public static final int MIN_CHUNK_TOKENS = 16;

    private final String model;
    private final Map<String, String> fieldMap;
    private final boolean skipExisting;
    private final boolean ignoreMissing;
    /** Cuts each source text into windows embedded one by one; null: one vector per text (truncated by the model). */
    private final TextChunker chunker;
    private final EncoderService encoder;
    /** Reads stored documents for skip_existing (a multi-get through the node's client); null outside a node. */
    private final BiConsumer<MultiGetRequest, ActionListener<MultiGetResponse>> lookup;

    LocalEmbeddingProcessor(
        String tag,
        String description,
        int batchSize,
        String model,
        Map<String, String> fieldMap,
        boolean skipExisting,
        boolean ignoreMissing,
        TextChunker chunker,
        EncoderService encoder,
        BiConsumer<MultiGetRequest, ActionListener<MultiGetResponse>> lookup
    ) {
        super(tag, description, batchSize);
        this.chunker = chunker;
        this.model = model;
        this.fieldMap = Collections.unmodifiableMap(new LinkedHashMap<>(fieldMap));
        this.skipExisting = skipExisting;
        this.ignoreMissing = ignoreMissing;
        this.encoder = encoder;
        this.lookup = lookup;
    }

    @Override
    public String getType() {
        return TYPE;
    }

    public String model() {
        return model;
    }

    public Map<String, String> fieldMap() {
        return fieldMap;
    }

    public int batchSize() {
        return batchSize;
    }

    /**
     * What one target field of one document gets: vectors for {@code count} texts, as one vector or a list, or (with
     * {@code chunks}) the chunks of {@code source}, each with its vector.
     */
    private record Target(String path, boolean list, int count, String source, List<TextChunker.Chunk> chunks) {
        Target(String path, boolean list, int count) {
            this(path, list, count, null, null);
        }
    }

    /** The texts of one document, in field_map order, the field each comes from, and where their vectors go. */
    private record Plan(List<String> texts, List<String> fields, List<Target> targets) {}

    /**
     * The texts to embed. {@code stored} is the source of the document as the index holds it now (read only with
     * {@code skip_existing}), {@code null} when there is none.
     */
    private Plan plan(IngestDocument doc, Map<String, Object> stored) {
        List<String> texts = new ArrayList<>();
        List<String> fields = new ArrayList<>();
        List<Target> targets = new ArrayList<>();
        for (Map.Entry<String, String> e : fieldMap.entrySet()) {
            String source = e.getKey();
            String target = e.getValue();
            Object value = doc.getFieldValue(source, Object.class, true);
            if (skipExisting && keep(doc, source, target, value, stored)) {
                continue;
            }
            if (value == null || (value instanceof List<?> l && l.isEmpty())) {
                if (ignoreMissing) {
                    continue;
                }
                throw new IllegalArgumentException(
                    "field [" + source + "] is " + (value == null ? "missing" : "an empty array") + " (set ignore_missing to skip such documents)"
                );
            }
            if (chunker != null) {
                if (!(value instanceof String s)) {
                    throw new IllegalArgumentException("field [" + source + "] must be a string to be chunked, not " + describe(value));
                }
                List<TextChunker.Chunk> chunks = chunk(requireText(s, source), source, texts.size());
                for (int i = 0; i < chunks.size(); i++) {
                    TextChunker.Chunk c = chunks.get(i);
                    texts.add(s.substring(c.start(), c.end()));
                    fields.add(source + "] chunk [" + i);
                }
                targets.add(new Target(target, true, chunks.size(), s, chunks));
            } else if (value instanceof String s) {
                texts.add(requireText(s, source));
                fields.add(source);
                targets.add(new Target(target, false, 1));
            } else if (value instanceof List<?> list) {
                // before looking at (let alone embedding) any element: one huge array must not occupy the encoder
                if (list.size() > encoder.maxTextsPerField()) {
                    throw new IllegalArgumentException(
                        "field [" + source + "] holds " + list.size() + " texts, more than the limit of " + encoder.maxTextsPerField()
                            + " per field (" + EncoderSettings.MAX_TEXTS_PER_FIELD.getKey() + ")"
                    );
                }
                for (int i = 0; i < list.size(); i++) {
                    String where = source + "[" + i + "]";
                    if (list.get(i) instanceof String s) {
                        texts.add(requireText(s, where));
                        fields.add(where);
                    } else {
                        throw new IllegalArgumentException("field [" + where + "] must be a string, not " + describe(list.get(i)));
                    }
                }
                targets.add(new Target(target, true, list.size()));
            } else {
                throw new IllegalArgumentException("field [" + source + "] must be a string or an array of strings, not " + describe(value));
            }
        }
        return new Plan(texts, fields, targets);
    }

    /**
     * With {@code skip_existing}: true when the document's target needs no inference. The stored vector is reused
     * exactly when the text it was made from (the stored document's source field) equals the incoming text; a vector
     * the request brings itself (none stored, or different from the stored one) is the caller's and is left alone. An
     * {@code _update} merges the old vector into the new source, so only the stored document tells whether the text
     * changed (neural-search's processors compare with it the same way).
     */
    private boolean keep(IngestDocument doc, String source, String target, Object text, Map<String, Object> stored) {
        Object mine = doc.getFieldValue(target, Object.class, true);
        if (lookup == null) { // no client (processor built outside a node): only the document itself can tell
            return mine != null;
        }
        Object storedVector = stored == null ? null : valueAt(stored, target);
        if (mine != null && (storedVector == null || sameNumbers(mine, storedVector) == false)) {
            return true;
        }
        if (storedVector != null && text != null && text.equals(valueAt(stored, source))) {
            if (mine == null) {
                doc.setFieldValue(target, storedVector);
            }
            return true;
        }
        return false;
    }

    /** The value at a dotted path of a source map ({@code a.b} as an object path, or a literal dotted key). */
    @SuppressWarnings("unchecked")
    private static Object valueAt(Map<String, Object> source, String path) {
        if (source.containsKey(path)) {
            return source.get(path);
        }
        Object current = source;
        for (String part : path.split("\\.")) {
            if (!(current instanceof Map<?, ?> m)) {
                return null;
            }
            current = ((Map<String, Object>) m).get(part);
        }
        return current;
    }

    /** Equal vectors (or lists of vectors) as numbers: a merged source holds doubles, a written one floats. */
    private static boolean sameNumbers(Object a, Object b) {
        if (a instanceof Number x && b instanceof Number y) {
            return x.floatValue() == y.floatValue();
        }
        if (a instanceof Map<?, ?> x && b instanceof Map<?, ?> y) { // chunks: {text, start, end, embedding}
            if (x.keySet().equals(y.keySet()) == false) {
                return false;
            }
            for (Map.Entry<?, ?> e : x.entrySet()) {
                if (sameNumbers(e.getValue(), y.get(e.getKey())) == false) {
                    return false;
                }
            }
            return true;
        }
        if (a instanceof List<?> x && b instanceof List<?> y) {
            if (x.size() != y.size()) {
                return false;
            }
            for (int i = 0; i < x.size(); i++) {
                if (sameNumbers(x.get(i), y.get(i)) == false) {
                    return false;
                }
            }
            return true;
        }
        return java.util.Objects.equals(a, b);
    }

    /**
     * The windows of one source text, by the model's tokenizer; refused (before any inference) when they and the
     * {@code before} chunks of the document's earlier fields are more than the limit (one document's inferences are
     * capped), or when there are none (no content token).
     */
    private List<TextChunker.Chunk> chunk(String text, String field, int before) {
        List<TextChunker.Chunk> chunks = chunker.chunks(text, encoder.tokenSpans(model, text));
        if (chunks.isEmpty()) {
            throw EncoderService.noContent("field [" + field + "]");
        }
        if (before + chunks.size() > encoder.maxTextsPerField()) {
            throw new IllegalArgumentException(
                "field [" + field + "] makes " + chunks.size() + " chunks of at most " + chunker.maxTokens() + " tokens"
                    + (before > 0 ? " (" + (before + chunks.size()) + " with the document's other fields)" : "") + ", more than the limit of "
                    + encoder.maxTextsPerField() + " chunks per document (" + EncoderSettings.MAX_TEXTS_PER_FIELD.getKey()
                    + "); raise the limit or [chunking.max_tokens], or split the document"
            );
        }
        return chunks;
    }

    private String requireText(String s, String field) {
        if (s.isBlank()) {
            throw new IllegalArgumentException("field [" + field + "] is empty: there is no text to embed");
        }
        encoder.checkText(s, "field [" + field + "]");
        return s;
    }

    private static String describe(Object value) {
        if (value == null) {
            return "null";
        }
        if (value instanceof Map) {
            return "an object";
        }
        if (value instanceof List) {
            return "an array";
        }
        if (value instanceof Number) {
            return "a number [" + value + "]";
        }
        if (value instanceof Boolean) {
            return "a boolean [" + value + "]";
        }
        return "a value of type " + value.getClass().getSimpleName();
    }

    private static void write(IngestDocument doc, Plan plan, List<float[]> vectors, int offset) {
        // a text without content token has no vector: the document fails with a 400 naming the field, the others
        // of the bulk go on (such texts would all get one identical vector that ranks first for unrelated queries)
        for (int i = 0; i < plan.texts().size(); i++) {
            if (vectors.get(offset + i) == null) {
                throw EncoderService.noContent("field [" + plan.fields().get(i) + "]");
            }
        }
        int k = offset;
        for (Target t : plan.targets()) {
            if (t.chunks() != null) {
                List<Map<String, Object>> list = new ArrayList<>(t.count());
                for (TextChunker.Chunk c : t.chunks()) {
                    Map<String, Object> one = new LinkedHashMap<>();
                    one.put(CHUNK_TEXT, t.source().substring(c.start(), c.end()));
                    one.put(CHUNK_START, c.start());
                    one.put(CHUNK_END, c.end());
                    one.put(CHUNK_EMBEDDING, floats(vectors.get(k++)));
                    list.add(one);
                }
                doc.setFieldValue(t.path(), list);
            } else if (t.list()) {
                List<List<Float>> list = new ArrayList<>(t.count());
                for (int i = 0; i < t.count(); i++) {
                    list.add(floats(vectors.get(k++)));
                }
                doc.setFieldValue(t.path(), list);
            } else {
                doc.setFieldValue(t.path(), floats(vectors.get(k++)));
            }
        }
    }

    private static List<Float> floats(float[] v) {
        List<Float> list = new ArrayList<>(v.length);
        for (float x : v) {
            list.add(x);
        }
        return list;
    }

    /** Blocking, for callers that use the synchronous API: waits for {@link #execute(IngestDocument, BiConsumer)}. */
    @Override
    public IngestDocument execute(IngestDocument doc) throws Exception {
        PlainActionFuture<IngestDocument> future = new PlainActionFuture<>();
        execute(doc, (d, e) -> {
            if (e != null) {
                future.onFailure(e);
            } else {
                future.onResponse(d);
            }
        });
        return future.actionGet();
    }

    /** One document (e.g. under an {@code if} condition, or a single index request): asynchronous, on the inference pool. */
    @Override
    public void execute(IngestDocument doc, BiConsumer<IngestDocument, Exception> handler) {
        subBatchExecute(List.of(new IngestDocumentWrapper(0, 0, doc, null)), results -> {
            IngestDocumentWrapper r = results.get(0);
            if (r.getException() != null) {
                handler.accept(null, r.getException());
            } else {
                handler.accept(r.getIngestDocument(), null);
            }
        });
    }

    /**
     * Up to batch_size documents: every text of every document in one {@link EncoderService} call. With
     * {@code skip_existing}, the stored versions of the documents that have an id are read first (one realtime
     * multi-get per sub-batch, only the mapped fields).
     */
    @Override
    protected void subBatchExecute(List<IngestDocumentWrapper> wrappers, Consumer<List<IngestDocumentWrapper>> handler) {
        if (skipExisting == false || lookup == null) {
            embed(wrappers, new HashMap<>(), handler);
            return;
        }
        MultiGetRequest request = new MultiGetRequest();
        List<Integer> asked = new ArrayList<>();
        String[] includes = new String[fieldMap.size() * 2];
        int f = 0;
        for (Map.Entry<String, String> e : fieldMap.entrySet()) {
            includes[f++] = e.getKey();
            includes[f++] = e.getValue();
        }
        for (int i = 0; i < wrappers.size(); i++) {
            IngestDocumentWrapper w = wrappers.get(i);
            if (w.getException() != null || w.getIngestDocument() == null) {
                continue;
            }
            Map<IngestDocument.Metadata, Object> meta = w.getIngestDocument().getMetadata();
            Object index = meta.get(IngestDocument.Metadata.INDEX);
            Object id = meta.get(IngestDocument.Metadata.ID);
            if (index == null || id == null) {
                continue; // a new document with an auto-generated id: nothing stored
            }
            Object routing = meta.get(IngestDocument.Metadata.ROUTING);
            request.add(
                new MultiGetRequest.Item(index.toString(), id.toString()).routing(routing == null ? null : routing.toString())
                    .fetchSourceContext(new FetchSourceContext(true, includes, null))
            );
            asked.add(i);
        }
        if (asked.isEmpty()) {
            embed(wrappers, new HashMap<>(), handler);
            return;
        }
        lookup.accept(request, ActionListener.wrap(response -> {
            Map<Integer, Map<String, Object>> stored = new HashMap<>();
            MultiGetItemResponse[] items = response.getResponses();
            for (int j = 0; j < items.length && j < asked.size(); j++) {
                // a failed item (e.g. the index does not exist yet) means nothing stored
                if (items[j].isFailed() == false && items[j].getResponse().isExists()) {
                    stored.put(asked.get(j), items[j].getResponse().getSourceAsMap());
                }
            }
            embed(wrappers, stored, handler);
        }, e -> embed(wrappers, new HashMap<>(), handler)));
    }

    private void embed(List<IngestDocumentWrapper> wrappers, Map<Integer, Map<String, Object>> stored, Consumer<List<IngestDocumentWrapper>> handler) {
        if (chunker == null) {
            embedNow(wrappers, stored, handler);
            return;
        }
        // chunking tokenizes whole texts (tens of milliseconds for a long one): on the ingest lane, not on the write or
        // network thread that called us
        encoder.forkIngest(() -> embedNow(wrappers, stored, handler), e -> {
            List<IngestDocumentWrapper> results = new ArrayList<>(wrappers.size());
            for (IngestDocumentWrapper w : wrappers) {
                results.add(w.getException() != null || w.getIngestDocument() == null ? w : failed(w, e));
            }
            handler.accept(results);
        });
    }

    private void embedNow(List<IngestDocumentWrapper> wrappers, Map<Integer, Map<String, Object>> stored, Consumer<List<IngestDocumentWrapper>> handler) {
        List<IngestDocumentWrapper> results = new ArrayList<>(wrappers.size());
        List<IngestDocumentWrapper> planned = new ArrayList<>();
        List<Plan> plans = new ArrayList<>();
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < wrappers.size(); i++) {
            IngestDocumentWrapper w = wrappers.get(i);
            if (w.getException() != null || w.getIngestDocument() == null) {
                results.add(w);
                continue;
            }
            try {
                Plan plan = plan(w.getIngestDocument(), stored.get(i));
                if (plan.texts().isEmpty()) {
                    results.add(w);
                } else {
                    planned.add(w);
                    plans.add(plan);
                    texts.addAll(plan.texts());
                }
            } catch (Exception e) {
                results.add(failed(w, e));
            }
        }
        if (texts.isEmpty()) {
            handler.accept(results);
            return;
        }
        encoder.encodePassagesOrNullAsync(model, texts, new ActionListener<>() {
            @Override
            public void onResponse(List<float[]> vectors) {
                int offset = 0;
                for (int i = 0; i < planned.size(); i++) {
                    IngestDocumentWrapper w = planned.get(i);
                    try {
                        write(w.getIngestDocument(), plans.get(i), vectors, offset);
                        results.add(w);
                    } catch (Exception e) {
                        results.add(failed(w, e));
                    }
                    offset += plans.get(i).texts().size();
                }
                handler.accept(results);
            }

            @Override
            public void onFailure(Exception e) {
                for (IngestDocumentWrapper w : planned) {
                    results.add(failed(w, e));
                }
                handler.accept(results);
            }
        });
    }

    private static IngestDocumentWrapper failed(IngestDocumentWrapper w, Exception e) {
        return new IngestDocumentWrapper(w.getSlot(), w.getChildSlot(), w.getIngestDocument(), e);
    }

    /** Validates the configuration when a pipeline is created: a bad one fails the pipeline PUT with a 400. */
    public static final class Factory implements Processor.Factory {

        private final Supplier<EncoderService> encoder;
        private final BiConsumer<MultiGetRequest, ActionListener<MultiGetResponse>> lookup;

        /** A factory without stored-document lookups: skip_existing then only looks at the incoming document. */
        public Factory(Supplier<EncoderService> encoder) {
            this(encoder, null);
        }

        /** {@code client} reads the stored documents that skip_existing compares with. */
        public Factory(Supplier<EncoderService> encoder, Client client) {
            this.encoder = encoder;
            this.lookup = client == null ? null : client::multiGet;
        }

        @Override
        public LocalEmbeddingProcessor create(
            Map<String, Processor.Factory> registry,
            String tag,
            String description,
            Map<String, Object> config
        ) throws Exception {
            EncoderService service = encoder.get();
            if (service == null) {
                throw newConfigurationException(TYPE, tag, "model", "the local encoder is not running on this node");
            }
            String model = readOptionalStringProperty(TYPE, tag, config, "model");
            Map<String, Object> rawFieldMap = readMap(TYPE, tag, config, "field_map");
            int batchSize = readIntProperty(TYPE, tag, config, BATCH_SIZE_FIELD, DEFAULT_BATCH_SIZE);
            boolean skipExisting = readBooleanProperty(TYPE, tag, config, "skip_existing", false);
            boolean ignoreMissing = readBooleanProperty(TYPE, tag, config, "ignore_missing", false);
            Map<String, Object> chunking = readOptionalMap(TYPE, tag, config, "chunking");

            String name = model == null ? service.defaultModel() : model;
            if (service.hasModel(name) == false) {
                throw newConfigurationException(
                    TYPE,
                    tag,
                    "model",
                    "unknown model [" + name + "]; available: " + service.models().stream().map(ModelInfo::name).toList()
                );
            }
            ModelInfo info = service.model(name);
            if (info.failed()) {
                throw newConfigurationException(TYPE, tag, "model", ModelInfo.unavailable(name, info.failureReason()));
            }
            if (batchSize < 1 || batchSize > MAX_BATCH_SIZE) {
                throw newConfigurationException(TYPE, tag, BATCH_SIZE_FIELD, "must be between 1 and " + MAX_BATCH_SIZE + ", got [" + batchSize + "]");
            }
            if (rawFieldMap.isEmpty()) {
                throw newConfigurationException(TYPE, tag, "field_map", "must map at least one source field to a target field");
            }
            Map<String, String> fieldMap = new LinkedHashMap<>();
            Set<String> targets = new HashSet<>();
            for (Map.Entry<String, Object> e : rawFieldMap.entrySet()) {
                String source = e.getKey();
                if (source == null || source.isBlank()) {
                    throw newConfigurationException(TYPE, tag, "field_map", "source field names must not be empty");
                }
                if (!(e.getValue() instanceof String target) || target.isBlank()) {
                    throw newConfigurationException(TYPE, tag, "field_map", "target of [" + source + "] must be a non-empty field name");
                }
                if (target.equals(source)) {
                    throw newConfigurationException(TYPE, tag, "field_map", "target of [" + source + "] must differ from the source");
                }
                if (targets.add(target) == false) {
                    throw newConfigurationException(TYPE, tag, "field_map", "target [" + target + "] appears twice");
                }
                fieldMap.put(source, target);
            }
            TextChunker chunker = chunking == null ? null : chunker(tag, chunking, info);
            return new LocalEmbeddingProcessor(tag, description, batchSize, name, fieldMap, skipExisting, ignoreMissing, chunker, service, lookup);
        }

        /**
         * {@code chunking}: {@code max_tokens} (default {@value #DEFAULT_CHUNK_TOKENS}, at most what the model reads
         * besides its special tokens and passage prefix) and {@code overlap_tokens} (default an eighth of max_tokens, at
         * most half of it).
         */
        private static TextChunker chunker(String tag, Map<String, Object> chunking, ModelInfo info) {
            for (String key : chunking.keySet()) {
                if (key.equals("max_tokens") == false && key.equals("overlap_tokens") == false) {
                    throw newConfigurationException(TYPE, tag, "chunking", "unknown option [" + key + "]; expected max_tokens, overlap_tokens");
                }
            }
            // a token covers at least one character: a bound on the prefix's tokens without running the tokenizer here
            // (pipelines are created on the cluster-state thread, where a model still loading must not be waited for)
            String prefix = info.passagePrefix() == null ? "" : info.passagePrefix();
            int prefixTokens = prefix.codePointCount(0, prefix.length());
            int limit = info.maxTokens() - 2 - prefixTokens; // [CLS] ... [SEP] and the prefix share the model's window
            int max = chunkingInt(tag, chunking, "max_tokens", Math.min(DEFAULT_CHUNK_TOKENS, limit));
            if (max < MIN_CHUNK_TOKENS || max > limit) {
                throw newConfigurationException(
                    TYPE,
                    tag,
                    "chunking.max_tokens",
                    "must be between " + MIN_CHUNK_TOKENS + " and " + limit + " (model [" + info.name() + "] reads " + info.maxTokens()
                        + " tokens including its special tokens" + (prefixTokens > 0 ? " and passage prefix" : "") + "), got [" + max + "]"
                );
            }
            int overlap = chunkingInt(tag, chunking, "overlap_tokens", max / DEFAULT_OVERLAP_DIVISOR);
            if (overlap < 0 || overlap > max / 2) {
                throw newConfigurationException(
                    TYPE,
                    tag,
                    "chunking.overlap_tokens",
                    "must be between 0 and half of max_tokens (" + (max / 2) + "), got [" + overlap + "]"
                );
            }
            return new TextChunker(max, overlap);
        }

        private static int chunkingInt(String tag, Map<String, Object> chunking, String key, int defaultValue) {
            Object v = chunking.get(key);
            if (v == null) {
                return defaultValue;
            }
            if (v instanceof Integer i) {
                return i;
            }
            if (v instanceof String str) {
                try {
                    return Integer.parseInt(str.trim());
                } catch (NumberFormatException e) {
                    // fall through to the error naming the option
                }
            }
            throw newConfigurationException(TYPE, tag, "chunking." + key, "must be an integer, got [" + v + "]");
        }
    }
}
