package dev.wsroute.bench;
final class Placeholder {}
