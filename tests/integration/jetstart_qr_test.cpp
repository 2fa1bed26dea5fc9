// The jetstart plugin's QR code (issue 11 item 2): the SVG served by the core endpoint to
// loopback peers decodes, with Debian's zbarimg (zbar-tools), to the connect address the
// plugin logged at start with the session and the token; a peer on another address is
// refused. The SVG's dark modules are rasterized here into a PGM image (zbarimg reads
// images, not vector graphics).
#include "child_process.hpp"
#include "http_client.hpp"
#include "jetstart_fixture.hpp"
#include "kernel_log_lines.hpp"
#include "temp_dir.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <regex>
#include <string>
#include <vector>

using namespace switchyard::test;

namespace {

// The route of the core endpoint that serves the QR code as SVG (plugins/jetstart/README.md).
constexpr std::string_view kQrPath = "/qr.svg";

struct Box {
    double x0, y0, x1, y1;
};

// One closed polygon, in SVG user units.
using Polygon = std::vector<std::pair<double, double>>;

// The value of attribute `name` of one element's text. Scanned by hand: libstdc++'s
// std::regex recurses once per character matched, and a path's d attribute is long enough
// to overflow the stack under AddressSanitizer.
std::string attribute(const std::string& element, const std::string& name) {
    for (size_t at = element.find(name); at != std::string::npos; at = element.find(name, at + 1)) {
        if (at == 0 || !std::isspace(static_cast<unsigned char>(element[at - 1]))) continue;
        size_t i = at + name.size();
        while (i < element.size() && std::isspace(static_cast<unsigned char>(element[i]))) ++i;
        if (i >= element.size() || element[i] != '=') continue;
        ++i;
        while (i < element.size() && std::isspace(static_cast<unsigned char>(element[i]))) ++i;
        if (i >= element.size() || (element[i] != '"' && element[i] != '\'')) continue;
        const char quote = element[i];
        const size_t end = element.find(quote, i + 1);
        if (end == std::string::npos) return {};
        return element.substr(i + 1, end - i - 1);
    }
    return {};
}

// Light fills (the background) and no fill at all are not modules.
bool is_dark(const std::string& element) {
    std::string fill = attribute(element, "fill");
    const std::string style = attribute(element, "style");
    std::smatch match;
    if (std::regex_search(style, match, std::regex("fill\\s*:\\s*([^;]+)"))) fill = match[1].str();
    std::transform(fill.begin(), fill.end(), fill.begin(), ::tolower);
    fill.erase(std::remove(fill.begin(), fill.end(), ' '), fill.end());
    return fill != "#fff" && fill != "#ffffff" && fill != "white" && fill != "none" &&
           fill != "transparent" && fill != "rgb(255,255,255)";
}

// The subpaths of a path's d with absolute and relative M, L, H, V and Z.
std::vector<Polygon> path_polygons(const std::string& d) {
    std::vector<Polygon> polygons;
    const std::regex token("([MmLlHhVvZz])|(-?[0-9]*\\.?[0-9]+(?:[eE][-+]?[0-9]+)?)");
    std::vector<std::string> tokens;
    for (auto it = std::sregex_iterator(d.begin(), d.end(), token); it != std::sregex_iterator();
         ++it)
        tokens.push_back(it->str());
    double x = 0, y = 0, start_x = 0, start_y = 0;
    char command = 'M';
    size_t i = 0;
    auto number = [&]() { return std::strtod(tokens.at(i++).c_str(), nullptr); };
    while (i < tokens.size()) {
        if (std::isalpha(static_cast<unsigned char>(tokens[i][0]))) command = tokens[i++][0];
        switch (command) {
            case 'M':
            case 'm': {
                const double nx = number(), ny = number();
                x = command == 'm' ? x + nx : nx;
                y = command == 'm' ? y + ny : ny;
                start_x = x;
                start_y = y;
                polygons.push_back({{x, y}});
                command = command == 'm' ? 'l' : 'L';
                break;
            }
            case 'L':
            case 'l': {
                const double nx = number(), ny = number();
                x = command == 'l' ? x + nx : nx;
                y = command == 'l' ? y + ny : ny;
                polygons.back().push_back({x, y});
                break;
            }
            case 'H':
            case 'h': {
                const double n = number();
                x = command == 'h' ? x + n : n;
                polygons.back().push_back({x, y});
                break;
            }
            case 'V':
            case 'v': {
                const double n = number();
                y = command == 'v' ? y + n : n;
                polygons.back().push_back({x, y});
                break;
            }
            case 'Z':
            case 'z':
                x = start_x;
                y = start_y;
                break;
            default: throw std::runtime_error("unsupported path command in " + d);
        }
    }
    return polygons;
}

// The dark shapes of the SVG (rects and paths), as polygons in user units.
std::vector<Polygon> dark_shapes(const std::string& svg) {
    std::vector<Polygon> shapes;
    // Each <rect ...> and <path ...> element, found by hand (see attribute()).
    for (size_t at = svg.find('<'); at != std::string::npos; at = svg.find('<', at + 1)) {
        const bool rect = svg.compare(at + 1, 4, "rect") == 0;
        const bool path = svg.compare(at + 1, 4, "path") == 0;
        const char after = at + 5 < svg.size() ? svg[at + 5] : '>';
        if ((!rect && !path) || std::isalnum(static_cast<unsigned char>(after))) continue;
        const size_t end = svg.find('>', at);
        if (end == std::string::npos) break;
        const std::string text = svg.substr(at, end - at + 1);
        if (!is_dark(text)) continue;
        if (rect) {
            const double x = std::atof(attribute(text, "x").c_str());
            const double y = std::atof(attribute(text, "y").c_str());
            const double w = std::atof(attribute(text, "width").c_str());
            const double h = std::atof(attribute(text, "height").c_str());
            shapes.push_back({{x, y}, {x + w, y}, {x + w, y + h}, {x, y + h}});
        } else {
            for (auto& polygon : path_polygons(attribute(text, "d")))
                shapes.push_back(std::move(polygon));
        }
    }
    return shapes;
}

// The shapes filled (even-odd, sampled at pixel centres) into an 8-bit grey image, dark
// on white, with a quiet zone; as a binary PGM.
std::string rasterize(const std::vector<Polygon>& shapes) {
    Box box{1e18, 1e18, -1e18, -1e18};
    double unit = 1e18; // the smallest edge: one module
    for (const auto& polygon : shapes) {
        for (size_t i = 0; i < polygon.size(); ++i) {
            const auto [x, y] = polygon[i];
            box = {std::min(box.x0, x), std::min(box.y0, y), std::max(box.x1, x),
                   std::max(box.y1, y)};
            const auto [nx, ny] = polygon[(i + 1) % polygon.size()];
            const double length = std::abs(nx - x) + std::abs(ny - y);
            if (length > 1e-9) unit = std::min(unit, length);
        }
    }
    const double scale = 8.0 / unit;
    const double margin = 4 * unit;
    const int width = int(std::ceil((box.x1 - box.x0 + 2 * margin) * scale));
    const int height = int(std::ceil((box.y1 - box.y0 + 2 * margin) * scale));
    std::string pixels(size_t(width) * size_t(height), char(255));
    std::vector<double> crossings;
    for (int row = 0; row < height; ++row) {
        const double y = box.y0 - margin + (row + 0.5) / scale;
        crossings.clear();
        for (const auto& polygon : shapes) {
            for (size_t i = 0; i < polygon.size(); ++i) {
                const auto [ax, ay] = polygon[i];
                const auto [bx, by] = polygon[(i + 1) % polygon.size()];
                if ((ay <= y) == (by <= y)) continue;
                crossings.push_back(ax + (y - ay) * (bx - ax) / (by - ay));
            }
        }
        std::sort(crossings.begin(), crossings.end());
        for (size_t i = 0; i + 1 < crossings.size(); i += 2) {
            for (int col = 0; col < width; ++col) {
                const double x = box.x0 - margin + (col + 0.5) / scale;
                if (x >= crossings[i] && x < crossings[i + 1])
                    pixels[size_t(row) * size_t(width) + size_t(col)] = 0;
            }
        }
    }
    return "P5\n" + std::to_string(width) + " " + std::to_string(height) + "\n255\n" + pixels;
}

// What zbarimg decodes from the SVG: the QR code's text ("" when nothing was decoded).
std::string decode_qr(const std::string& svg) {
    const std::vector<Polygon> shapes = dark_shapes(svg);
    REQUIRE(shapes.size() > 20);
    TempDir dir("jetstart-qr");
    const auto image = dir.write("qr.pgm", rasterize(shapes));
    auto zbar =
        ChildProcess::spawn({"/usr/bin/zbarimg", "--raw", "-q", "-Sqrcode.enable", image.string()});
    REQUIRE(zbar.wait_exit(std::chrono::seconds(30)).has_value());
    zbar.wait_for_output_end(std::chrono::seconds(5));
    std::string text = zbar.stdout_text();
    INFO("zbarimg stderr: " << zbar.stderr_text());
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
    return text;
}

std::string fetch_svg(const KernelProcess& kernel) {
    const HttpResponse svg = HttpClient(core_port(kernel)).get(kQrPath);
    INFO(svg.status << " " << svg.body.substr(0, 300));
    REQUIRE(svg.status == 200);
    CHECK(svg.header("Content-Type").find("image/svg+xml") == 0);
    REQUIRE(svg.body.find("<svg") != std::string::npos);
    return svg.body;
}

} // namespace

TEST_CASE("jetstart qr: the SVG decodes to the logged connect address with session and token",
          "[integration][jetstart][qr]") {
    auto kernel = start_jetstart();
    const std::string decoded = decode_qr(fetch_svg(kernel));
    const std::string log = kernel_stderr(kernel);
    INFO("decoded: " << decoded << "\nkernel log:\n" << log);
    REQUIRE_FALSE(decoded.empty());
    CHECK(decoded.find(kJetSession) != std::string::npos);
    CHECK(decoded.find(kJetToken) != std::string::npos);
    // What the developer scans is what the plugin printed.
    CHECK(log.find(decoded) != std::string::npos);
}

TEST_CASE(
    "jetstart qr: the QR code and the logged address name the ports the endpoints are bound "
    "to",
    "[integration][jetstart][qr]") {
    // Port 0 in listen (as in every test): what a device scans must still reach the core
    // socket and the artifacts, so it names the bound ports, not the defaults.
    auto kernel = start_jetstart();
    const std::string decoded = decode_qr(fetch_svg(kernel));
    INFO("decoded: " << decoded << "\ncore port " << core_port(kernel) << ", http port "
                     << http_port(kernel));
    const std::regex number("\\d+");
    std::vector<std::string> numbers;
    for (auto it = std::sregex_iterator(decoded.begin(), decoded.end(), number);
         it != std::sregex_iterator(); ++it)
        numbers.push_back(it->str());
    CHECK(std::find(numbers.begin(), numbers.end(), std::to_string(core_port(kernel))) !=
          numbers.end());
    CHECK(std::find(numbers.begin(), numbers.end(), std::to_string(http_port(kernel))) !=
          numbers.end());
}

TEST_CASE("jetstart qr: generated secrets are logged and in the QR code, at least 128 bits each",
          "[integration][jetstart][qr]") {
    auto kernel = start_jetstart({}, false);
    const std::string decoded = decode_qr(fetch_svg(kernel));
    const std::string log = kernel_stderr(kernel);
    INFO("decoded: " << decoded << "\nkernel log:\n" << log);
    REQUIRE_FALSE(decoded.empty());
    CHECK(log.find(decoded) != std::string::npos);
    // Two distinct random secrets of at least 32 hex digits.
    std::vector<std::string> secrets;
    const std::regex hex("[0-9a-fA-F]{32,}");
    for (auto it = std::sregex_iterator(decoded.begin(), decoded.end(), hex);
         it != std::sregex_iterator(); ++it)
        secrets.push_back(it->str());
    REQUIRE(secrets.size() >= 2);
    CHECK(secrets[0] != secrets[1]);
    // The decoded session is the one the core socket accepts.
    bool accepted = false;
    for (const auto& candidate : secrets) {
        for (const auto& token : secrets) {
            if (candidate == token) continue;
            try {
                open_device(kernel, seed_connect(candidate, token));
                accepted = true;
            } catch (const std::exception&) {}
        }
    }
    CHECK(accepted);
}

TEST_CASE("jetstart qr: a peer that is not on loopback is refused the QR code",
          "[integration][jetstart][qr]") {
    KernelOptions options;
    options.extra_toml =
        "[plugins.jetstart]\nenabled = true\n"
        "listen = { core = \"0.0.0.0:0\", logs = \"127.0.0.1:0\", "
        "http = \"127.0.0.1:0\" }\n"
        "session_id = \"" +
        std::string(kJetSession) + "\"\ntoken = \"" + std::string(kJetToken) +
        "\"\nadvertised_host = \"192.0.2.2\"\n";
    auto kernel = KernelProcess::start(options);
    // From loopback: served.
    CHECK(HttpClient(core_port(kernel)).get(kQrPath).status == 200);
    // From this machine's other address (192.0.2.2, `ip -o addr`): refused.
    const HttpResponse remote = HttpClient(core_port(kernel), {}, "192.0.2.2").get(kQrPath);
    INFO(remote.status << " " << remote.body.substr(0, 300));
    CHECK((remote.status == 403 || remote.status == 404));
    CHECK(remote.body.find("<svg") == std::string::npos);
    CHECK(remote.body.find(kJetToken) == std::string::npos);
}
