package dev.clincher.gateway.api;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.Map;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * The web UI's static files, loaded from the class path once and served without auth (they hold no data; the page
 * signs in first). A strict Content-Security-Policy allows only these files and same-origin connections, no inline
 * script or style, and (Trusted Types) no HTML parsed from a string at all, so even a mistake in the page could not
 * run injected markup or load or send anything elsewhere.
 */
public final class WebAssets extends Handler.Wrapper {
  static final String CSP = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self';"
      + " img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none';"
      + " require-trusted-types-for 'script'; trusted-types 'none'";

  private record Asset(String contentType, byte[] bytes) {}

  private final Map<String, Asset> assets;

  public WebAssets(Handler next) {
    super(next);
    this.assets = Map.of(
        "/", load("index.html", "text/html; charset=utf-8"),
        "/index.html", load("index.html", "text/html; charset=utf-8"),
        "/app.js", load("app.js", "text/javascript; charset=utf-8"),
        "/markdown.js", load("markdown.js", "text/javascript; charset=utf-8"),
        "/app.css", load("app.css", "text/css; charset=utf-8"),
        "/favicon.svg", load("favicon.svg", "image/svg+xml"),
        "/favicon.ico", load("favicon.svg", "image/svg+xml"));
  }

  private static Asset load(String name, String contentType) {
    try (InputStream in = WebAssets.class.getResourceAsStream("/web/" + name)) {
      if (in == null) {
        throw new IllegalStateException("missing web asset " + name);
      }
      return new Asset(contentType, in.readAllBytes());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) throws Exception {
    Asset asset = assets.get(Request.getPathInContext(request));
    if (asset == null || !request.getMethod().equals("GET")) {
      return super.handle(request, response, callback);
    }
    response.setStatus(200);
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, asset.contentType());
    response.getHeaders().put("Content-Security-Policy", CSP);
    response.getHeaders().put("X-Content-Type-Options", "nosniff");
    response.getHeaders().put("X-Frame-Options", "DENY");
    response.getHeaders().put("Referrer-Policy", "no-referrer");
    response.getHeaders().put("Cross-Origin-Opener-Policy", "same-origin");
    response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-cache");
    response.write(true, ByteBuffer.wrap(asset.bytes()), callback);
    return true;
  }
}
