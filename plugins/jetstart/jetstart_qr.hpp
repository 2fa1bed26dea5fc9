// The QR code a developer scans (issue 11, item 2): the payload the shipping companion app
// reads, `host|httpPort|wsPort|sessionId|token|projectName` (the JetStart CLI's format),
// encoded with Debian's libqrencode, drawn for the terminal (half-block characters, two
// module rows per line) and as an SVG.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace switchyard::jetstart {

// What the QR code names.
struct ConnectInfo {
    std::string host; // what a device dials (a LAN address for phones)
    uint32_t http_port = 8765;
    uint32_t ws_port = 8766;
    std::string session_id;
    std::string token;
    std::string project_name;
};

// `host|httpPort|wsPort|sessionId|token|projectName`.
std::string qr_payload(const ConnectInfo& info);
// `ws://host:wsPort` (an IPv6 host in brackets).
std::string connect_url(const ConnectInfo& info);

// A QR code's modules: width x width, true = dark.
struct QrMatrix {
    int width = 0;
    std::vector<bool> dark;
    bool at(int x, int y) const { return dark[static_cast<size_t>(y) * width + x]; }
};

// Encodes `text` (8-bit mode, error correction level M). Throws std::runtime_error when
// libqrencode refuses it (too long for a QR code).
QrMatrix encode_qr(std::string_view text);

// The code drawn for a terminal with a light-on-dark palette: one string per text line
// (two module rows each), a quiet zone of 2 modules, light modules as full blocks.
std::vector<std::string> terminal_rows(const QrMatrix& qr);

// The code as an SVG document: black modules on white, a quiet zone of 4, `scale` pixels
// per module.
std::string svg_document(const QrMatrix& qr, int scale = 8);

} // namespace switchyard::jetstart
