// Recorded once from RNG and cross-checked against an independent Python implementation
// of splitmix64 + xoshiro256** and of the documented derived draws.
enum RNGGolden {
    static let seed0: [UInt64] = [11_091_344_671_253_066_420, 13_793_997_310_169_335_082, 1_900_383_378_846_508_768]
    static let uniform42: [Float] = [0.083_862_96, 0.378_980_22, 0.680_043_4]
    static let normal42: [Float] = [-0.303_263_07, 1.343_811_8, 0.383_461_8]
    static let int42: [Int] = [0, 3, 6, 9, 9]
}
