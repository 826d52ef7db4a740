package org.opensearch.binaryembeddings.bench;

import org.opensearch.common.xcontent.XContentHelper;
import org.opensearch.common.xcontent.json.JsonXContent;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A node the benchmark programs (and the load driver) talk to over HTTP on loopback: JSON in, the parsed JSON
 * response out. The one HTTP client of the bench package.
 */
final class HttpNode {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    private final String base;
    private final Duration timeout;

    HttpNode(String base) {
        this(base, Duration.ofMinutes(30));
    }

    /** A node whose requests each give up after {@code timeout} (the load driver bounds a stuck request). */
    HttpNode(String base, Duration timeout) {
        this.base = base;
        this.timeout = timeout;
    }

    /** A response: its status and its body parsed as JSON (empty for an empty body). */
    record Reply(int status, Map<String, Object> body) {}

    /** The response of a request, whatever its status. */
    Reply send(String method, String path, String body) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(timeout);
        if (body == null) {
            b.method(method, HttpRequest.BodyPublishers.noBody());
        } else {
            String type = path.contains("_bulk") ? "application/x-ndjson" : "application/json";
            b.method(method, HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8)).header("Content-Type", type);
        }
        HttpResponse<byte[]> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
        Map<String, Object> parsed = r.body().length == 0
            ? Map.of()
            : XContentHelper.convertToMap(JsonXContent.jsonXContent, new String(r.body(), StandardCharsets.UTF_8), false);
        return new Reply(r.statusCode(), parsed);
    }

    /** The response of a request; a status of 300 or more is an exception carrying the body. */
    Map<String, Object> call(String method, String path, String body) throws Exception {
        return call(method, path, body, false);
    }

    Map<String, Object> call(String method, String path, String body, boolean ignoreErrors) throws Exception {
        Reply r = send(method, path, body);
        if (r.status() >= 300 && ignoreErrors == false) {
            throw new IllegalStateException(method + " " + base + path + " -> " + r.status() + ": " + r.body());
        }
        return r.body();
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
