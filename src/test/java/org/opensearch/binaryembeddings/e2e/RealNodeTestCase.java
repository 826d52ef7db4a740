package org.opensearch.binaryembeddings.e2e;

import org.opensearch.client.Request;
import org.opensearch.client.Response;
import org.opensearch.common.settings.Settings;
import org.opensearch.test.rest.OpenSearchRestTestCase;

import java.io.IOException;
import java.util.Map;

/**
 * Base of the end-to-end suite: talks HTTP to a real OpenSearch node that has the built plugin zip installed
 * (bin/test starts it and passes its address as tests.rest.cluster).
 */
public abstract class RealNodeTestCase extends OpenSearchRestTestCase {

    /** Bulk requests run the encoder inside the node: allow more than the client's default 60 s per request. */
    @Override
    protected Settings restClientSettings() {
        return Settings.builder().put(super.restClientSettings()).put(CLIENT_SOCKET_TIMEOUT, "5m").build();
    }

    /** Sends a request with an optional JSON body and returns the parsed response. */
    protected static Map<String, Object> call(String method, String path, String jsonBody) throws IOException {
        Request request = new Request(method, path);
        if (jsonBody != null) {
            request.setJsonEntity(jsonBody);
        }
        Response response = client().performRequest(request);
        return entityAsMap(response);
    }
}
