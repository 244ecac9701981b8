// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "nimp",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "nimp", targets: ["nimp"]),
        .library(name: "NimpCore", targets: ["NimpCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        // The ONNX messages (Sources/NimpInterop/ONNX, made by scripts/generate-onnx-proto).
        .package(url: "https://github.com/apple/swift-protobuf", exact: "1.39.0"),
        // SHA-256 of archives, members and datasets (Sources/NimpIO/SHA256.swift).
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
    ],
    targets: [
        // MARK: System libraries
        // OpenBLAS's CBLAS, opened at the first product (libopenblas.so.0, libopenblas0), not
        // linked: see shim.h.
        .systemLibrary(name: "CBLAS"),
        // BLIS's bli_ API, opened at run time (libblis.so.4, libblis4), not linked: see shim.h.
        .systemLibrary(name: "CBLIS"),
        // libxsmm's JIT kernels for small products, linked (Debian ships libxsmm.a only), with
        // its BLAS-less stubs: nimp never asks libxsmm to fall back to BLAS.
        .target(
            name: "CXSMM",
            linkerSettings: [.linkedLibrary("xsmm"), .linkedLibrary("xsmmnoblas"), .linkedLibrary("pthread"),
                             .linkedLibrary("rt"), .linkedLibrary("dl"), .linkedLibrary("m")]),
        // Kernels compiled once per instruction set (AVX-512, AVX2, baseline), chosen at run time.
        .target(name: "CKernels"),
        .systemLibrary(
            name: "CArchive", pkgConfig: "libarchive",
            providers: [.apt(["libarchive-dev"])]),

        // MARK: Libraries
        // Engine: matrices, layers, losses, optimizers, training, metrics.
        .target(name: "NimpCore", dependencies: ["CBLAS", "CBLIS", "CXSMM", "CKernels"]),
        // File formats: safetensors, datasets (CSV, JSONL), model archives.
        .target(
            name: "NimpIO",
            dependencies: ["NimpCore", "CArchive", .product(name: "Crypto", package: "swift-crypto")]),
        // The registry directory: versions, champions, history, locks.
        .target(name: "NimpRegistry", dependencies: ["NimpCore", "NimpIO"]),
        // What improves one model: generators, teachers, evaluation, training, optimize, distill, evolve.
        .target(name: "NimpOperators", dependencies: ["NimpCore", "NimpIO"]),
        // The self-improvement loop over a registry: signals, improvement kinds, planner,
        // task files, gate; plan → run → gate.
        .target(name: "NimpCycle", dependencies: ["NimpCore", "NimpIO", "NimpRegistry", "NimpOperators"]),
        // What people and monitors read: the HTML/SVG report and the Prometheus textfile.
        .target(name: "NimpReport", dependencies: ["NimpCore", "NimpIO", "NimpRegistry", "NimpOperators", "NimpCycle"]),
        // Models in and out of other tools: ONNX, a C header, PyTorch state_dicts.
        .target(
            name: "NimpInterop",
            dependencies: ["NimpCore", "NimpIO", .product(name: "SwiftProtobuf", package: "swift-protobuf")],
            exclude: ["ONNX/onnx.proto"]),

        // MARK: Executable
        .executableTarget(
            name: "nimp",
            dependencies: [
                "NimpCore", "NimpIO", "NimpRegistry", "NimpOperators", "NimpCycle", "NimpReport", "NimpInterop",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        // Benchmarks against PyTorch, scikit-learn and onnxruntime (bench/run); not a test.
        .executableTarget(name: "nimp-bench", dependencies: ["NimpCore"]),

        // MARK: Tests
        // What several test targets need: running processes and the built nimp (also one
        // stopped at a failpoint), temporary directories, a Python with numpy and safetensors.
        .target(name: "NimpTestSupport", path: "Tests/Support"),
        .testTarget(name: "NimpCoreTests", dependencies: ["NimpCore"]),
        .testTarget(name: "NimpIOTests", dependencies: ["NimpIO", "NimpTestSupport"]),
        .testTarget(name: "NimpRegistryTests", dependencies: ["NimpRegistry", "NimpTestSupport"]),
        .testTarget(name: "NimpOperatorsTests", dependencies: ["NimpOperators"]),
        .testTarget(name: "NimpCycleTests", dependencies: ["NimpCycle"]),
        .testTarget(name: "NimpReportTests", dependencies: ["NimpReport"]),
        .testTarget(name: "CLITests", dependencies: ["NimpCore", "NimpIO", "NimpTestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
