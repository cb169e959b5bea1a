// Test and benchmark helper: writes small multilayer-perceptron ONNX models
// with ONNX's own protobuf classes, laid out the way torch.onnx.export writes
// nn.Linear (Gemm with transB=1, weight stored [out, in]), which is what
// OpenCV 4.6's importer accepts with a bias. Also the same network evaluated
// by hand, as the reference for numerics tests.
#pragma once

#include <onnx/onnx_pb.h>

#include <cmath>
#include <string>
#include <vector>

namespace keel::edge::model::testing {

// y = act(W x + b) with W stored row-major [out][in].
struct DenseLayer {
  int in = 0;
  int out = 0;
  std::vector<float> weight;  // out * in
  std::vector<float> bias;    // out
  bool tanh = false;
};

// A serialized onnx.ModelProto: input "x" [1, layers[0].in], output "y".
inline std::string BuildMlpOnnx(const std::vector<DenseLayer>& layers) {
  onnx::ModelProto model;
  model.set_ir_version(7);
  model.set_producer_name("keel-test");
  auto* opset = model.add_opset_import();
  opset->set_domain("");
  opset->set_version(11);
  auto* graph = model.mutable_graph();
  graph->set_name("mlp");

  auto add_value = [](onnx::ValueInfoProto* value, const std::string& name, int width) {
    value->set_name(name);
    auto* tensor = value->mutable_type()->mutable_tensor_type();
    tensor->set_elem_type(onnx::TensorProto::FLOAT);
    tensor->mutable_shape()->add_dim()->set_dim_value(1);
    tensor->mutable_shape()->add_dim()->set_dim_value(width);
  };
  add_value(graph->add_input(), "x", layers.front().in);

  std::string current = "x";
  for (size_t l = 0; l < layers.size(); ++l) {
    const DenseLayer& layer = layers[l];
    const std::string w = "W" + std::to_string(l);
    const std::string b = "B" + std::to_string(l);
    auto* weight = graph->add_initializer();
    weight->set_name(w);
    weight->set_data_type(onnx::TensorProto::FLOAT);
    weight->add_dims(layer.out);
    weight->add_dims(layer.in);
    for (float v : layer.weight) weight->add_float_data(v);
    auto* bias = graph->add_initializer();
    bias->set_name(b);
    bias->set_data_type(onnx::TensorProto::FLOAT);
    bias->add_dims(layer.out);
    for (float v : layer.bias) bias->add_float_data(v);

    const bool last = l + 1 == layers.size();
    const std::string gemm_out = (last && !layer.tanh) ? "y" : "g" + std::to_string(l);
    auto* gemm = graph->add_node();
    gemm->set_op_type("Gemm");
    gemm->set_name("gemm" + std::to_string(l));
    gemm->add_input(current);
    gemm->add_input(w);
    gemm->add_input(b);
    gemm->add_output(gemm_out);
    auto* trans_b = gemm->add_attribute();
    trans_b->set_name("transB");
    trans_b->set_type(onnx::AttributeProto::INT);
    trans_b->set_i(1);
    current = gemm_out;
    if (layer.tanh) {
      const std::string tanh_out = last ? "y" : "t" + std::to_string(l);
      auto* tanh = graph->add_node();
      tanh->set_op_type("Tanh");
      tanh->set_name("tanh" + std::to_string(l));
      tanh->add_input(current);
      tanh->add_output(tanh_out);
      current = tanh_out;
    }
  }
  add_value(graph->add_output(), "y", layers.back().out);
  return model.SerializeAsString();
}

// The same network in double precision.
inline std::vector<double> ForwardMlp(const std::vector<DenseLayer>& layers,
                                      std::vector<double> x) {
  for (const DenseLayer& layer : layers) {
    std::vector<double> y(static_cast<size_t>(layer.out));
    for (int o = 0; o < layer.out; ++o) {
      double sum = layer.bias[static_cast<size_t>(o)];
      for (int i = 0; i < layer.in; ++i) {
        sum += static_cast<double>(layer.weight[static_cast<size_t>(o * layer.in + i)]) *
               x[static_cast<size_t>(i)];
      }
      y[static_cast<size_t>(o)] = layer.tanh ? std::tanh(sum) : sum;
    }
    x = std::move(y);
  }
  return x;
}

// A deterministic 8-4-8 tanh autoencoder: weights are smooth functions of
// their indices, so the test needs no random generator.
inline std::vector<DenseLayer> Autoencoder(int dims, int hidden, bool tanh_hidden = true) {
  DenseLayer encoder;
  encoder.in = dims;
  encoder.out = hidden;
  encoder.tanh = tanh_hidden;
  DenseLayer decoder;
  decoder.in = hidden;
  decoder.out = dims;
  for (int o = 0; o < hidden; ++o) {
    for (int i = 0; i < dims; ++i) {
      encoder.weight.push_back(static_cast<float>(0.4 * std::sin(0.9 * o + 0.37 * i + 0.1)));
    }
    encoder.bias.push_back(static_cast<float>(0.05 * o - 0.1));
  }
  for (int o = 0; o < dims; ++o) {
    for (int i = 0; i < hidden; ++i) {
      decoder.weight.push_back(static_cast<float>(0.5 * std::cos(0.3 * o - 0.8 * i)));
    }
    decoder.bias.push_back(static_cast<float>(0.02 * o));
  }
  return {encoder, decoder};
}

}  // namespace keel::edge::model::testing
