package org.opensearch.binaryembeddings.rest;

import org.opensearch.binaryembeddings.codec.SignBits;
import org.opensearch.binaryembeddings.encoder.EncoderService;
import org.opensearch.binaryembeddings.encoder.ModelInfo;
import org.opensearch.core.action.ActionListener;
import org.opensearch.core.rest.RestStatus;
import org.opensearch.core.xcontent.XContentBuilder;
import org.opensearch.core.xcontent.XContentParser;
import org.opensearch.rest.BaseRestHandler;
import org.opensearch.rest.BytesRestResponse;
import org.opensearch.rest.RestRequest;
import org.opensearch.transport.client.node.NodeClient;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

import static org.opensearch.rest.RestRequest.Method.POST;

/**
 * {@code POST /_plugins/_binary_embeddings/models/{name}/_embed} with
 * {@code {"texts": ["..."], "kind": "query" | "passage", "binary_dims": 256}}: embeds the texts on the node that
 * receives the request (each node has the models), on its inference pool.
 * <p>
 * {@code kind} (default {@code passage}) picks the manifest's prefix. With {@code binary_dims} (a multiple of 8, at
 * most the model's dims) the response also carries, per text, the sign bits of the first {@code binary_dims} values
 * as hex: bit i is {@code v[i] > 0}, packed most significant bit first (like numpy.packbits).
 * Bad input is a 400 that names the parameter; more than {@code plugins.binary_embeddings.embed.max_texts} texts too.
 */
public class RestEmbedAction extends BaseRestHandler {

    private static final Set<String> FIELDS = Set.of("texts", "kind", "binary_dims");

    private final Supplier<EncoderService> encoder;
    private final int maxTexts;

    public RestEmbedAction(Supplier<EncoderService> encoder, int maxTexts) {
        this.encoder = encoder;
        this.maxTexts = maxTexts;
    }

    @Override
    public String getName() {
        return "binary_embeddings_embed";
    }

    @Override
    public List<Route> routes() {
        return List.of(new Route(POST, RestModelsAction.BASE + "/{name}/_embed"));
    }

    static EncoderService service(Supplier<EncoderService> encoder) {
        EncoderService service = encoder.get();
        if (service == null) {
            throw new IllegalStateException("the local encoder is not running on this node");
        }
        return service;
    }

    /** A validated _embed request. */
    record EmbedRequest(String model, List<String> texts, EncoderService.TextKind kind, Integer binaryDims) {}

    static EmbedRequest parse(String model, Map<String, Object> body, ModelInfo info, int maxTexts) {
        for (String key : body.keySet()) {
            if (FIELDS.contains(key) == false) {
                throw new IllegalArgumentException("unknown parameter [" + key + "]; expected [texts], [kind], [binary_dims]");
            }
        }
        Object rawTexts = body.get("texts");
        if (!(rawTexts instanceof List<?> list)) {
            throw new IllegalArgumentException("[texts] must be an array of strings");
        }
        if (list.isEmpty()) {
            throw new IllegalArgumentException("[texts] must not be empty");
        }
        if (list.size() > maxTexts) {
            throw new IllegalArgumentException(
                "[texts] has " + list.size() + " texts, more than the limit of " + maxTexts + " (plugins.binary_embeddings.embed.max_texts)"
            );
        }
        List<String> texts = new ArrayList<>(list.size());
        for (int i = 0; i < list.size(); i++) {
            if (!(list.get(i) instanceof String s)) {
                throw new IllegalArgumentException("[texts][" + i + "] must be a string");
            }
            if (s.isBlank()) {
                throw new IllegalArgumentException("[texts][" + i + "] must not be empty");
            }
            texts.add(s);
        }
        EncoderService.TextKind kind = EncoderService.TextKind.PASSAGE;
        Object rawKind = body.get("kind");
        if (rawKind != null) {
            if ("query".equals(rawKind)) {
                kind = EncoderService.TextKind.QUERY;
            } else if ("passage".equals(rawKind) == false) {
                throw new IllegalArgumentException("[kind] must be [query] or [passage], got [" + rawKind + "]");
            }
        }
        Integer binaryDims = null;
        Object rawBits = body.get("binary_dims");
        if (rawBits != null) {
            if (rawBits instanceof Integer == false) {
                throw new IllegalArgumentException("[binary_dims] must be an integer, got [" + rawBits + "]");
            }
            binaryDims = (Integer) rawBits;
            if (binaryDims < 8 || binaryDims % 8 != 0 || binaryDims > info.dims()) {
                throw new IllegalArgumentException(
                    "[binary_dims] must be a positive multiple of 8 and at most the model's " + info.dims() + " dims, got [" + binaryDims + "]"
                );
            }
        }
        return new EmbedRequest(model, texts, kind, binaryDims);
    }

    @Override
    protected RestChannelConsumer prepareRequest(RestRequest request, NodeClient client) throws IOException {
        EncoderService service = service(encoder);
        String model = request.param("name");
        ModelInfo info = service.model(model); // unknown: 400 naming it
        if (info.failed()) {
            throw new IllegalArgumentException(ModelInfo.unavailable(model, info.failureReason()));
        }
        if (request.hasContentOrSourceParam() == false) {
            throw new IllegalArgumentException("request body is required: {\"texts\": [...]}");
        }
        Map<String, Object> body;
        try (XContentParser parser = request.contentOrSourceParamParser()) {
            // map() reads an array or a scalar body as an empty object, which would then be blamed on [texts]
            XContentParser.Token first;
            try {
                first = parser.nextToken();
            } catch (IOException e) {
                throw new IllegalArgumentException("request body is not valid JSON: " + e.getMessage(), e);
            }
            if (first != XContentParser.Token.START_OBJECT) {
                throw new IllegalArgumentException("request body must be a JSON object like {\"texts\": [...]}, got " + first);
            }
            try {
                body = parser.map();
            } catch (IOException e) {
                // a JSON syntax error in a value (a bare NaN): name the member it belongs to when the parser knows it;
                // any other parse failure (nesting deeper than the parser allows) is still the client's input: a 400
                String member = parser.currentName();
                throw new IllegalArgumentException(
                    (member == null ? "request body is not valid JSON: " : "bad value for [" + member + "]: ") + e.getMessage(),
                    e
                );
            }
        }
        EmbedRequest req = parse(model, body, info, maxTexts);
        return channel -> service.encodeAsync(req.model(), req.kind(), req.texts(), new ActionListener<>() {
            @Override
            public void onResponse(List<float[]> vectors) {
                try {
                    channel.sendResponse(new BytesRestResponse(RestStatus.OK, response(channel.newBuilder(), req, info, vectors)));
                } catch (Exception e) {
                    onFailure(e);
                }
            }

            @Override
            public void onFailure(Exception e) {
                try {
                    channel.sendResponse(new BytesRestResponse(channel, e));
                } catch (IOException inner) {
                    inner.addSuppressed(e);
                    throw new IllegalStateException("cannot send the _embed failure", inner);
                }
            }
        });
    }

    private static XContentBuilder response(XContentBuilder b, EmbedRequest req, ModelInfo info, List<float[]> vectors) throws IOException {
        b.startObject();
        b.field("model", info.name());
        b.field("kind", req.kind().name().toLowerCase(Locale.ROOT));
        b.field("dims", info.dims());
        b.startArray("embeddings");
        for (float[] v : vectors) {
            b.startArray();
            for (float x : v) {
                b.value(x);
            }
            b.endArray();
        }
        b.endArray();
        if (req.binaryDims() != null) {
            b.field("binary_dims", req.binaryDims());
            b.startArray("binary");
            for (float[] v : vectors) {
                b.value(HexFormat.of().formatHex(SignBits.pack(v, req.binaryDims())));
            }
            b.endArray();
        }
        b.endObject();
        return b;
    }
}
