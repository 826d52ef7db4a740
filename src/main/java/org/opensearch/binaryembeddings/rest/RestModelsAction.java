package org.opensearch.binaryembeddings.rest;

import org.opensearch.binaryembeddings.encoder.EncoderService;
import org.opensearch.binaryembeddings.encoder.InferenceStats;
import org.opensearch.binaryembeddings.encoder.ModelInfo;
import org.opensearch.core.rest.RestStatus;
import org.opensearch.core.xcontent.XContentBuilder;
import org.opensearch.rest.BaseRestHandler;
import org.opensearch.rest.BytesRestResponse;
import org.opensearch.rest.RestRequest;
import org.opensearch.transport.client.node.NodeClient;

import java.io.IOException;
import java.util.List;
import java.util.function.Supplier;

import static org.opensearch.rest.RestRequest.Method.GET;

/**
 * {@code GET /_plugins/_binary_embeddings/models[/{name}]}: the models of the node that answers (every node discovers
 * the same bundled models), with manifest values, load status (and reason when failed) and inference counters.
 *
 * <pre>
 * { "default_model": "bge-small-en-v1.5-q",
 *   "models": [ { "name": "...", "dims": 384, "pooling": "cls", "normalize": true, "max_tokens": 512,
 *                 "query_prefix": "...", "passage_prefix": "", "status": "loaded" | "loading" | "failed",
 *                 "failure_reason": "..." (failed only),
 *                 "inference": { "texts": 0, "batches": 0, "mean_batch_latency_ms": 0.0, "mean_text_latency_ms": 0.0 } } ] }
 * </pre>
 */
public class RestModelsAction extends BaseRestHandler {

    public static final String BASE = "/_plugins/_binary_embeddings/models";

    private final Supplier<EncoderService> encoder;

    public RestModelsAction(Supplier<EncoderService> encoder) {
        this.encoder = encoder;
    }

    @Override
    public String getName() {
        return "binary_embeddings_models";
    }

    @Override
    public List<Route> routes() {
        return List.of(new Route(GET, BASE), new Route(GET, BASE + "/{name}"));
    }

    @Override
    protected RestChannelConsumer prepareRequest(RestRequest request, NodeClient client) throws IOException {
        EncoderService service = RestEmbedAction.service(encoder);
        String name = request.param("name");
        List<ModelInfo> models = name == null ? service.models() : List.of(service.model(name)); // unknown name: 400
        return channel -> {
            XContentBuilder b = channel.newBuilder();
            b.startObject();
            b.field("default_model", service.defaultModel());
            b.startArray("models");
            for (ModelInfo m : models) {
                b.startObject();
                b.field("name", m.name());
                b.field("dims", m.dims());
                b.field("pooling", m.pooling());
                b.field("normalize", m.normalize());
                b.field("max_tokens", m.maxTokens());
                b.field("query_prefix", m.queryPrefix());
                b.field("passage_prefix", m.passagePrefix());
                b.field("status", m.status().value());
                if (m.failureReason() != null) {
                    b.field("failure_reason", m.failureReason());
                }
                InferenceStats.Snapshot s = service.stats(m.name());
                b.startObject("inference");
                b.field("texts", s.texts());
                b.field("batches", s.batches());
                b.field("mean_batch_latency_ms", s.meanBatchLatencyMillis());
                b.field("mean_text_latency_ms", s.meanTextLatencyMillis());
                b.endObject();
                b.endObject();
            }
            b.endArray();
            b.endObject();
            channel.sendResponse(new BytesRestResponse(RestStatus.OK, b));
        };
    }
}
