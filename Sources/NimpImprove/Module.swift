import NimpCore
