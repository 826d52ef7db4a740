package org.opensearch.binaryembeddings.mapper;

import org.opensearch.action.ActionRequest;
import org.opensearch.action.admin.indices.create.CreateIndexRequest;
import org.opensearch.action.admin.indices.mapping.put.PutMappingRequest;
import org.opensearch.action.support.ActionFilter;
import org.opensearch.binaryembeddings.encoder.ModelPaths;
import org.opensearch.common.xcontent.XContentHelper;
import org.opensearch.common.xcontent.json.JsonXContent;
import org.opensearch.core.action.ActionListener;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Refuses a create-index or put-mapping request whose {@code binary_embedding} field names a {@code model} this node
 * does not have (or one whose vectors have another length than the field's {@code dims}), with a 400 listing the
 * available models. The mapper itself cannot check this: mappings are also parsed when a node recovers its indices,
 * and an index must still open on a node whose models changed. Every node has the same models, so the node that
 * receives the request answers for the cluster.
 */
public final class MappingModelCheck extends ActionFilter.Simple {

    private final Supplier<Collection<String>> models;
    private final Function<String, Integer> dimsOf;

    /**
     * @param models the node's model names, or null while the encoder is not running
     * @param dimsOf the vector length of a model, or null when it is unknown (still loading)
     */
    public MappingModelCheck(Supplier<Collection<String>> models, Function<String, Integer> dimsOf) {
        this.models = models;
        this.dimsOf = dimsOf;
    }

    @Override
    public int order() {
        return 0;
    }

    @Override
    protected boolean apply(String action, ActionRequest request, ActionListener<?> listener) {
        String source = null;
        if (request instanceof CreateIndexRequest create) {
            source = create.mappings();
        } else if (request instanceof PutMappingRequest put) {
            source = put.source();
        }
        if (source == null || source.contains(BinaryEmbeddingFieldMapper.CONTENT_TYPE) == false) {
            return true;
        }
        try {
            check(XContentHelper.convertToMap(JsonXContent.jsonXContent, source, false), "");
        } catch (IllegalArgumentException e) {
            listener.onFailure(e);
            return false;
        } catch (RuntimeException e) {
            return true; // not parseable here: the mapping parser reports it with its own message
        }
        return true;
    }

    private void check(Object node, String path) {
        if (node instanceof Map<?, ?> map) {
            if (BinaryEmbeddingFieldMapper.CONTENT_TYPE.equals(map.get("type")) && map.get("model") instanceof String model) {
                checkModel(path, model, map.get("dims"));
            }
            for (Map.Entry<?, ?> e : map.entrySet()) {
                check(e.getValue(), path.isEmpty() ? String.valueOf(e.getKey()) : path + "." + e.getKey());
            }
        } else if (node instanceof List<?> list) {
            for (Object o : list) {
                check(o, path);
            }
        }
    }

    private void checkModel(String path, String model, Object dims) {
        Collection<String> available = models.get();
        if (available == null || available.isEmpty()) {
            return; // no encoder or no model on this node: nothing to check against (query_text then fails naming the model)
        }
        try {
            ModelPaths.validateName(model);
        } catch (IllegalArgumentException e) {
            return; // not a model name at all: the mapping parser says so
        }
        // the mapping path (_doc.properties.a.properties.b) without the structure keys: the field's name a.b
        String[] parts = path.split("\\.");
        StringBuilder name = new StringBuilder();
        for (int i = 1; i < parts.length; i++) {
            if (parts[i - 1].equals("properties")) {
                name.append(name.length() == 0 ? "" : ".").append(parts[i]);
            }
        }
        String field = name.length() == 0 ? path : name.toString();
        if (available.contains(model) == false) {
            throw new IllegalArgumentException(
                "field [" + field + "] of type [" + BinaryEmbeddingFieldMapper.CONTENT_TYPE + "]: [model] [" + model
                    + "] is not a model of this cluster; available models: " + new TreeSet<>(available)
            );
        }
        Integer modelDims = dimsOf.apply(model);
        if (modelDims != null && modelDims > 0 && dims instanceof Number n && n.intValue() != modelDims) {
            throw new IllegalArgumentException(
                "field [" + field + "] of type [" + BinaryEmbeddingFieldMapper.CONTENT_TYPE + "]: [model] [" + model + "] gives " + modelDims
                    + "-dim vectors but [dims] is " + n.intValue()
            );
        }
    }
}
