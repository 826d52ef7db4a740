package org.opensearch.binaryembeddings.bench;

import org.opensearch.common.xcontent.XContentHelper;
import org.opensearch.common.xcontent.json.JsonXContent;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** A node the benchmark programs talk to over HTTP on loopback: JSON in, the parsed JSON response out. */
final class HttpNode {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    private final String base;

    HttpNode(String base) {
        this.base = base;
    }

    /** The response of a request; a status of 300 or more is an exception carrying the body. */
    Map<String, Object> call(String method, String path, String body) throws Exception {
        return call(method, path, body, false);
    }

    Map<String, Object> call(String method, String path, String body, boolean ignoreErrors) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofMinutes(30));
        String type = path.contains("_bulk") ? "application/x-ndjson" : "application/json";
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body)).header("Content-Type", type);
        HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() >= 300 && ignoreErrors == false) {
            throw new IllegalStateException(method + " " + base + path + " -> " + r.statusCode() + ": " + r.body());
        }
        return XContentHelper.convertToMap(JsonXContent.jsonXContent, r.body(), false);
    }

    /** CPU time the node's process has used so far (all its threads), from the node stats. */
    @SuppressWarnings("unchecked")
    long processCpuMillis() throws Exception {
        Map<String, Object> nodes = (Map<String, Object>) call("GET", "/_nodes/_local/stats/process", null).get("nodes");
        Map<String, Object> node = (Map<String, Object>) nodes.values().iterator().next();
        Map<String, Object> cpu = (Map<String, Object>) ((Map<String, Object>) node.get("process")).get("cpu");
        return ((Number) cpu.get("total_in_millis")).longValue();
    }

    /** The node's first data path (its index folders are below it, under indices/{uuid}). */
    @SuppressWarnings("unchecked")
    Path dataPath() throws Exception {
        Map<String, Object> r = call("GET", "/_nodes/_local/stats/fs", null);
        Map<String, Object> node = (Map<String, Object>) ((Map<String, Object>) r.get("nodes")).values().iterator().next();
        List<Map<String, Object>> data = (List<Map<String, Object>>) ((Map<String, Object>) node.get("fs")).get("data");
        return Path.of((String) data.get(0).get("path"));
    }

    /** The uuid of an index (the name of its folder on disk). */
    @SuppressWarnings("unchecked")
    String indexUuid(String index) throws Exception {
        Map<String, Object> r = call("GET", "/" + index + "/_settings", null);
        return (String) ((Map<String, Object>) ((Map<String, Object>) ((Map<String, Object>) r.get(index)).get("settings")).get("index")).get("uuid");
    }

    @Override
    public String toString() {
        return base;
    }
}
