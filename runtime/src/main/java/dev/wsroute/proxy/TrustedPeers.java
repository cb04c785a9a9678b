package dev.wsroute.proxy;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import io.netty.util.NetUtil;

/**
 * The peers a listener believes a PROXY protocol header from ({@code wsroute.listen.proxy-protocol-from}): CIDRs such
 * as {@code 10.0.0.0/8} or {@code fd00::/8}, a plain address being one host. No CIDRs: any peer. An IPv4-mapped IPv6
 * peer ({@code ::ffff:10.0.0.1}) is matched as the IPv4 address it is.
 */
public final class TrustedPeers {
    /** Any peer: no {@code proxy-protocol-from} set. */
    static final TrustedPeers ANY = new TrustedPeers(List.of());

    private final List<Block> blocks;

    private TrustedPeers(List<Block> blocks) {
        this.blocks = blocks;
    }

    /** @throws IllegalArgumentException naming the first entry that is no address or CIDR */
    public static TrustedPeers of(List<String> cidrs) {
        List<Block> blocks = new ArrayList<>(cidrs.size());
        for (String c : cidrs) {
            blocks.add(Block.parse(c));
        }
        return new TrustedPeers(List.copyOf(blocks));
    }

    /** The first entry that is no address or CIDR, with why; empty when every entry is one. */
    public static Optional<String> problem(List<String> cidrs) {
        try {
            of(cidrs);
            return Optional.empty();
        } catch (IllegalArgumentException e) {
            return Optional.of(e.getMessage());
        }
    }

    /** Whether the listeners take a header from any peer. */
    boolean any() {
        return blocks.isEmpty();
    }

    /** Whether a header from this peer is believed (any peer when no CIDR is set). */
    boolean allows(SocketAddress peer) {
        if (blocks.isEmpty()) {
            return true;
        }
        if (!(peer instanceof InetSocketAddress a) || a.getAddress() == null) {
            return false;
        }
        byte[] ip = unmapped(a.getAddress().getAddress());
        for (Block b : blocks) {
            if (b.contains(ip)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public String toString() {
        return blocks.isEmpty() ? "any peer" : blocks.toString();
    }

    /** {@code ::ffff:a.b.c.d} as the four bytes of {@code a.b.c.d}; any other address as it is. */
    static byte[] unmapped(byte[] ip) {
        if (ip.length != 16) {
            return ip;
        }
        for (int i = 0; i < 10; i++) {
            if (ip[i] != 0) {
                return ip;
            }
        }
        if (ip[10] != (byte) 0xff || ip[11] != (byte) 0xff) {
            return ip;
        }
        return new byte[] {ip[12], ip[13], ip[14], ip[15]};
    }

    private record Block(String text, byte[] network, int prefix) {
        static Block parse(String text) {
            String t = text.trim();
            int slash = t.indexOf('/');
            String address = slash < 0 ? t : t.substring(0, slash);
            byte[] ip = NetUtil.createByteArrayFromIpAddressString(address);
            if (ip == null) {
                throw new IllegalArgumentException("'" + text + "' is no IP address or CIDR (e.g. 10.0.0.0/8, fd00::/8)");
            }
            // an IPv4-mapped block (::ffff:10.0.0.0/104) holds the IPv4 addresses under its last 32 bits: peers are
            // matched unmapped, so it is kept as the IPv4 block it is (10.0.0.0/8), its prefix 96 less
            byte[] v4 = unmapped(ip);
            int skipped = v4.length == ip.length ? 0 : 96;
            int prefix = ip.length * 8;
            if (slash >= 0) {
                try {
                    prefix = Integer.parseInt(t.substring(slash + 1));
                } catch (NumberFormatException e) {
                    prefix = -1;
                }
                if (prefix < skipped || prefix > ip.length * 8) {
                    throw new IllegalArgumentException("'" + text + "': the prefix length must be " + skipped + " to " + ip.length * 8);
                }
            }
            return new Block(t, v4, prefix - skipped);
        }

        boolean contains(byte[] ip) {
            if (ip.length != network.length) {
                return false;
            }
            int bits = prefix;
            for (int i = 0; bits > 0; i++, bits -= 8) {
                int mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
                if ((ip[i] & mask) != (network[i] & mask)) {
                    return false;
                }
            }
            return true;
        }

        @Override
        public String toString() {
            return text;
        }
    }

    /** An address literal (as a PROXY header carries it) as an address, without any name lookup; null if it is none. */
    static InetAddress literal(String address) {
        byte[] ip = address == null ? null : NetUtil.createByteArrayFromIpAddressString(address);
        if (ip == null) {
            return null;
        }
        try {
            return InetAddress.getByAddress(ip);
        } catch (java.net.UnknownHostException e) {
            return null; // a length other than 4 or 16: not produced by the parse above
        }
    }
}
