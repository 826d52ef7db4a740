package org.opensearch.binaryembeddings.encoder;

import org.opensearch.binaryembeddings.common.ParamValues;
import org.opensearch.common.xcontent.XContentHelper;
import org.opensearch.common.xcontent.json.JsonXContent;

import java.io.IOException;
import java.io.InputStream;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The {@code manifest.json} beside a model's {@code model.onnx} and {@code tokenizer.json}:
 *
 * <pre>
 * {
 *   "name": "bge-small-en-v1.5-q",        must equal the folder name
 *   "dims": 384,                          width of the model's token embeddings (checked at load)
 *   "pooling": "cls",                     "cls" (first token) or "mean" (mean over the attention mask)
 *   "normalize": true,                    scale the pooled vector to unit length
 *   "max_tokens": 512,                    longer texts are truncated by the tokenizer (never an error)
 *   "query_prefix": "...",                prepended to query texts
 *   "passage_prefix": "",                 prepended to passage texts
 *   "description": "..."                  optional, for people
 * }
 * </pre>
 *
 * Unknown keys are rejected, so a typo never silently falls back to a default.
 */
public record ModelManifest(String name, int dims, Pooling pooling, boolean normalize, int maxTokens, String queryPrefix,
                            String passagePrefix, String description) {

    public static final String FILE_NAME = "manifest.json";
    public static final int MAX_DIMS = 8192;
    public static final int MAX_TOKENS = 8192;

    private static final List<String> REQUIRED = List.of("name", "dims", "pooling", "normalize", "max_tokens");
    private static final Set<String> OPTIONAL = Set.of("query_prefix", "passage_prefix", "description");

    /** How token embeddings become one text embedding. */
    public enum Pooling {
        /** The first token's ([CLS]) embedding. */
        CLS,
        /** The mean of the token embeddings, weighted by the attention mask. */
        MEAN;

        public String value() {
            return name().toLowerCase(Locale.ROOT);
        }

        static Pooling parse(String value) {
            return ParamValues.enumValue(Pooling.class, "pooling", value);
        }
    }

    public ModelManifest {
        ModelPaths.validateName(name);
        if (dims < 1 || dims > MAX_DIMS) {
            throw new IllegalArgumentException("[dims] must be between 1 and " + MAX_DIMS + ", got [" + dims + "]");
        }
        if (maxTokens < 2 || maxTokens > MAX_TOKENS) {
            throw new IllegalArgumentException("[max_tokens] must be between 2 and " + MAX_TOKENS + ", got [" + maxTokens + "]");
        }
        if (pooling == null) {
            throw new IllegalArgumentException("[pooling] is required");
        }
        queryPrefix = queryPrefix == null ? "" : queryPrefix;
        passagePrefix = passagePrefix == null ? "" : passagePrefix;
        description = description == null ? "" : description;
    }

    /**
     * Parses and validates a manifest. {@code folderName} is the name of the folder it was found in; the manifest's
     * {@code name} must match it.
     */
    public static ModelManifest parse(String folderName, InputStream json) throws IOException {
        Map<String, Object> map;
        try {
            map = XContentHelper.convertToMap(JsonXContent.jsonXContent, json, true);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("manifest is not valid JSON: " + e.getMessage(), e);
        }
        return fromMap(folderName, map);
    }

    static ModelManifest fromMap(String folderName, Map<String, Object> source) {
        Map<String, Object> map = new HashMap<>(source);
        for (String key : map.keySet()) {
            if (REQUIRED.contains(key) == false && OPTIONAL.contains(key) == false) {
                throw new IllegalArgumentException("unknown manifest key [" + key + "]");
            }
        }
        for (String key : REQUIRED) {
            if (map.get(key) == null) {
                throw new IllegalArgumentException("manifest key [" + key + "] is required");
            }
        }
        String name = string(map, "name");
        if (name.equals(folderName) == false) {
            throw new IllegalArgumentException("manifest [name] is [" + name + "] but the model folder is [" + folderName + "]");
        }
        return new ModelManifest(
            name,
            integer(map, "dims"),
            Pooling.parse(string(map, "pooling")),
            bool(map, "normalize"),
            integer(map, "max_tokens"),
            map.containsKey("query_prefix") ? string(map, "query_prefix") : "",
            map.containsKey("passage_prefix") ? string(map, "passage_prefix") : "",
            map.containsKey("description") ? string(map, "description") : ""
        );
    }

    private static String string(Map<String, Object> map, String key) {
        Object v = map.get(key);
        if (v instanceof String s) {
            return s;
        }
        throw new IllegalArgumentException("manifest key [" + key + "] must be a string, got [" + v + "]");
    }

    private static int integer(Map<String, Object> map, String key) {
        Object v = map.get(key);
        if (v instanceof Integer || v instanceof Long || v instanceof Short) {
            long l = ((Number) v).longValue();
            if (l >= Integer.MIN_VALUE && l <= Integer.MAX_VALUE) {
                return (int) l;
            }
        }
        throw new IllegalArgumentException("manifest key [" + key + "] must be an integer, got [" + v + "]");
    }

    private static boolean bool(Map<String, Object> map, String key) {
        Object v = map.get(key);
        if (v instanceof Boolean b) {
            return b;
        }
        throw new IllegalArgumentException("manifest key [" + key + "] must be true or false, got [" + v + "]");
    }
}
