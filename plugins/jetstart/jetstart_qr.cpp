#include "jetstart_qr.hpp"

#include <qrencode.h>

#include <memory>
#include <stdexcept>

namespace switchyard::jetstart {

std::string qr_payload(const ConnectInfo& info) {
    return info.host + '|' + std::to_string(info.http_port) + '|' + std::to_string(info.ws_port) +
           '|' + info.session_id + '|' + info.token + '|' + info.project_name;
}

std::string connect_url(const ConnectInfo& info) {
    const bool v6 = info.host.find(':') != std::string::npos;
    return "ws://" + (v6 ? '[' + info.host + ']' : info.host) + ':' + std::to_string(info.ws_port);
}

QrMatrix encode_qr(std::string_view text) {
    // libqrencode wants a NUL-terminated string; QRcode_encodeData takes a length.
    QRcode* raw =
        QRcode_encodeData(static_cast<int>(text.size()),
                          reinterpret_cast<const unsigned char*>(text.data()), 0, QR_ECLEVEL_M);
    if (raw == nullptr) throw std::runtime_error("the QR code payload is too long to encode");
    std::unique_ptr<QRcode, void (*)(QRcode*)> code(raw, &QRcode_free);
    QrMatrix qr;
    qr.width = code->width;
    qr.dark.resize(static_cast<size_t>(qr.width) * qr.width);
    for (size_t i = 0; i < qr.dark.size(); ++i) qr.dark[i] = (code->data[i] & 1) != 0;
    return qr;
}

std::vector<std::string> terminal_rows(const QrMatrix& qr) {
    constexpr int kQuiet = 2;
    const int size = qr.width + 2 * kQuiet;
    // Light (not dark) inside the code, and the quiet zone around it.
    const auto light = [&](int x, int y) {
        x -= kQuiet;
        y -= kQuiet;
        if (x < 0 || y < 0 || x >= qr.width || y >= qr.width) return true;
        return !qr.at(x, y);
    };
    std::vector<std::string> rows;
    for (int y = 0; y < size; y += 2) {
        std::string row;
        for (int x = 0; x < size; ++x) {
            const bool top = light(x, y);
            const bool bottom = y + 1 < size ? light(x, y + 1) : false;
            if (top && bottom) {
                row += "\u2588"; // full block
            } else if (top) {
                row += "\u2580"; // upper half
            } else if (bottom) {
                row += "\u2584"; // lower half
            } else {
                row += ' ';
            }
        }
        rows.push_back(std::move(row));
    }
    return rows;
}

std::string svg_document(const QrMatrix& qr, int scale) {
    constexpr int kQuiet = 4;
    // Coordinates in pixels, viewBox equal to the size: some renderers (ImageMagick's own,
    // which zbarimg uses) misdraw a viewBox scaled up to width/height.
    const std::string pixels = std::to_string((qr.width + 2 * kQuiet) * scale);
    const std::string step = std::to_string(scale);
    std::string out =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" +
        pixels + "\" height=\"" + pixels + "\" viewBox=\"0 0 " + pixels + ' ' + pixels +
        "\" shape-rendering=\"crispEdges\">\n<rect width=\"" + pixels + "\" height=\"" + pixels +
        "\" fill=\"#ffffff\"/>\n<path fill=\"#000000\" d=\"";
    for (int y = 0; y < qr.width; ++y) {
        for (int x = 0; x < qr.width;) {
            if (!qr.at(x, y)) {
                ++x;
                continue;
            }
            int run = 1;
            while (x + run < qr.width && qr.at(x + run, y)) ++run;
            const std::string width = std::to_string(run * scale);
            out += 'M' + std::to_string((x + kQuiet) * scale) + ' ' +
                   std::to_string((y + kQuiet) * scale) + 'h' + width + 'v' + step + 'h' + '-' +
                   width + 'z';
            x += run;
        }
    }
    out += "\"/>\n</svg>\n";
    return out;
}

} // namespace switchyard::jetstart
