package dev.wsroute.testing;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.util.List;

import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/** JDK TLS client connections for tests: SNI, protocol and ALPN chosen per connection. */
public final class TlsClients {
    private TlsClients() {
    }

    /** A handshaken socket to 127.0.0.1:port; sni null sends none. protocols/alpn null keep the JDK's defaults. */
    public static SSLSocket connect(SSLContext ctx, int port, String sni, List<String> protocols, List<String> alpn) throws IOException {
        Socket raw = new Socket();
        raw.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
        raw.setSoTimeout(10_000);
        // the JDK caches sessions by this peer host and, resuming, re-sends the cached session's SNI: key by name, as browsers do
        SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket(raw, sni == null ? "127.0.0.1" : sni, port, true);
        try {
            SSLParameters p = s.getSSLParameters();
            p.setServerNames(sni == null ? List.of() : List.of(new SNIHostName(sni)));
            if (protocols != null) {
                p.setProtocols(protocols.toArray(String[]::new));
            }
            if (alpn != null) {
                p.setApplicationProtocols(alpn.toArray(String[]::new));
            }
            s.setSSLParameters(p);
            s.startHandshake();
            return s;
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        }
    }

    public static SSLSocket connect(SSLContext ctx, int port, String sni) throws IOException {
        return connect(ctx, port, sni, null, null);
    }

    /** The subject alternative DNS/IP names of the certificate the server presented. */
    public static List<String> peerNames(SSLSocket s) throws IOException {
        try {
            X509Certificate leaf = (X509Certificate) s.getSession().getPeerCertificates()[0];
            return leaf.getSubjectAlternativeNames().stream().map(n -> String.valueOf(n.get(1))).toList();
        } catch (java.security.cert.CertificateParsingException e) {
            throw new IOException(e);
        }
    }

    /** Writes a line and reads back as many bytes: the echo server's answer. */
    public static String echo(SSLSocket s, String text) throws IOException {
        byte[] out = text.getBytes(StandardCharsets.UTF_8);
        s.getOutputStream().write(out);
        s.getOutputStream().flush();
        InputStream in = s.getInputStream();
        byte[] back = in.readNBytes(out.length);
        return new String(back, StandardCharsets.UTF_8);
    }
}
